// cgroupkit 0.1.0: the public API as released (api-extractor's declaration rollup).
// Written by npm run release:version; npm run api:gate compares every build against it. Do not edit.
import type { z } from 'zod';

/** The rule `a *:* rwm`: every device, every access. @public */
export declare const ALL_DEVICES: DeviceRule;

/**
 * Enforce a device policy on a group, failing closed (the group ends deny-all on any failure after the first change).
 * @public
 */
export declare function applyDevicePolicy(cg: Cgroup, policy: DevicePolicy): Promise<DeviceApplyResult>;

/**
 * Apply limits to a group: every value is validated and every file checked to exist before the first write;
 * if a write fails, the earlier ones are restored to what they were and a {@link ResourceApplyError} says so.
 * @public
 */
export declare function applyResources(cg: Cgroup, limits: ResourceLimits, options?: ApplyResourcesOptions): Promise<ApplyResourcesResult>;

/** @public */
export declare interface ApplyResourcesOptions {
    /** A file the running kernel lacks (no swap accounting, no CFS bandwidth): fail before writing anything, or skip it. Default "error". */
    readonly missing?: "error" | "skip";
    /** cpu.shares → cpu.weight on v2; default {@link cpuSharesToWeightOci}. */
    readonly sharesToWeight?: (shares: bigint) => number;
}

/** What an apply wrote and skipped. @public */
export declare interface ApplyResourcesResult {
    readonly written: ReadonlyArray<{
        readonly path: string;
        readonly value: string;
    }>;
    readonly skipped: ReadonlyArray<{
        readonly path: string;
        readonly reason: string;
    }>;
}

/**
 * Make a v1 devices group's policy `policy`: read `devices.list`, plan with
 * {@link planV1Transition}, write one rule per `write(2)`, read `devices.list` back and check it
 * is the target. On any failure after the first read (a refused write, a read-back that differs,
 * a read that fails) the group is made deny-all (`a` written to `devices.deny`; in a group with
 * children, where the kernel refuses that, each listed exception is denied instead) and a
 * {@link DeviceAclError} says what failed and whether the group is now deny-all.
 *
 * Limits of v1: a default-allow group's exceptions are not listed by the kernel, so the current
 * state of such a group reads as allow-all (exceptions it may hold stay, so the result can only
 * be stricter than asked) and a default-allow target is verified by its default only.
 * @throws InvalidValueError or UnsafeDeviceTransitionError before any write (the group is untouched).
 * @public
 */
export declare function applyV1DevicePolicy(dir: string, policy: DevicePolicy, fs?: CgroupFs, options?: V1TransitionOptions): Promise<V1ApplyResult>;

/**
 * Enforce `policy` on the cgroup v2 group at `cgroupDir` with an eBPF device program.
 * The policy is validated and compiled before any syscall. Our earlier program, if any, is
 * replaced with no moment where none is attached; the result is checked with BPF_PROG_QUERY.
 * The kernel keeps the program attached after this process exits, until the group is removed.
 * Fails closed: when anything fails once the group may have been touched, the group is given
 * a deny-all program and a {@link DeviceAclError} says so.
 * @throws InvalidValueError for a malformed policy or the hierarchy's root group (nothing touched); UnsupportedError when the
 * directory is not on cgroup2 or the platform has no bpf(2); CgroupIoError when it cannot be
 * opened; DeviceAclError for a failure after that (with `deniedAll`).
 * @public
 */
export declare function applyV2DevicePolicy(cgroupDir: string, policy: DeviceFilterPolicy, options?: V2DeviceOptions): V2ApplyResult;

/** Refuse text that the kernel would split or misread: newlines and NUL. @public */
export declare function assertOneLine(text: string, file: string | undefined, value: unknown): string;

/**
 * BPF_PROG_ATTACH of a device program to a cgroup directory fd, with `flags`
 * ({@link BPF_F_ALLOW_MULTI}, plus {@link BPF_F_REPLACE} and `replaceFd` to swap one attached
 * program for another in one step).
 * @internal
 */
declare function attachDeviceProgram(cgroupFd: number, progFd: number, flags: number, replaceFd?: number, target?: string): void;

/** v1 blkio.weight range (CFQ/BFQ). @public */
export declare const BLKIO_WEIGHT_RANGE: {
    readonly min: 10;
    readonly max: 1000;
    readonly default: 500;
};

/** A v1 blkio statistic: `8:0 Read 12` lines per device and operation, and the `Total N` line. @public */
export declare interface BlkioStat {
    /** Per `MAJ:MIN`: operation (`Read`, `Write`, `Sync`, `Async`, `Discard`, `Total`) → count. */
    readonly devices: Readonly<Record<string, Readonly<Record<string, bigint>>>>;
    /** The closing `Total` line, summed over devices. */
    readonly total?: bigint;
}

/**
 * Block I/O controller - BFQ proportional weights, per-device bandwidth/IOPS throttling and per-device I/O statistics.
 *
 * Control files of the cgroup v1 `blkio` controller, bound to one cgroup directory. Spec: `spec/v1/blkio.yaml`.
 * @public
 */
export declare class BlkioV1 extends ControllerAccessor {
    static readonly version = "v1";
    static readonly controller = "blkio";
    /**
     * Default BFQ I/O weight of the group on every device without a per-device rule (1..1000, default 100).
     *
     * File `blkio.bfq.weight`: rw, non-root groups. Since Linux 4.12. Requires CONFIG_BFQ_GROUP_IOSCHED and the bfq I/O scheduler on the device. Codec: int.
     * @public
     */
    get bfqWeight(): ReadWriteFile<number>;
    /**
     * Per-device BFQ weights overriding blkio.bfq.weight ("8:16 300"; 0 drops the rule); the first line shows the default.
     *
     * File `blkio.bfq.weight_device`: rw, non-root groups. Since Linux 4.12. Requires CONFIG_BFQ_GROUP_IOSCHED and the bfq I/O scheduler on the device. Codec: deviceValues.
     * @public
     */
    get bfqWeightDevice(): ReadWriteFile<Readonly<Record<string, bigint>>, {
        readonly device: string;
        readonly value: bigint;
    }>;
    /**
     * Bytes the group transferred per device through BFQ, split Read/Write/Sync/Async/Discard, with a Total.
     *
     * File `blkio.bfq.io_service_bytes`: ro, every group. Unit: bytes. Since Linux 4.12. Requires CONFIG_BFQ_GROUP_IOSCHED. Codec: blkioStat.
     * @public
     */
    get bfqIoServiceBytes(): ReadOnlyFile<BlkioStat>;
    /**
     * Like blkio.bfq.io_service_bytes, summed over the group and its descendants.
     *
     * File `blkio.bfq.io_service_bytes_recursive`: ro, every group. Unit: bytes. Since Linux 4.12. Requires CONFIG_BFQ_GROUP_IOSCHED. Codec: blkioStat.
     * @public
     */
    get bfqIoServiceBytesRecursive(): ReadOnlyFile<BlkioStat>;
    /**
     * I/O operations the group issued per device through BFQ, split by operation type, with a Total.
     *
     * File `blkio.bfq.io_serviced`: ro, every group. Unit: count. Since Linux 4.12. Requires CONFIG_BFQ_GROUP_IOSCHED. Codec: blkioStat.
     * @public
     */
    get bfqIoServiced(): ReadOnlyFile<BlkioStat>;
    /**
     * Like blkio.bfq.io_serviced, summed over the group and its descendants.
     *
     * File `blkio.bfq.io_serviced_recursive`: ro, every group. Unit: count. Since Linux 4.12. Requires CONFIG_BFQ_GROUP_IOSCHED. Codec: blkioStat.
     * @public
     */
    get bfqIoServicedRecursive(): ReadOnlyFile<BlkioStat>;
    /**
     * BFQ debug - Disk time the group was given per device.
     *
     * File `blkio.bfq.time`: ro, every group. Unit: ms. Requires CONFIG_BFQ_CGROUP_DEBUG. Codec: deviceValues.
     * @beta
     */
    get bfqTime(): ReadOnlyFile<Readonly<Record<string, bigint>>>;
    /**
     * BFQ debug - like blkio.bfq.time, summed over the group and its descendants.
     *
     * File `blkio.bfq.time_recursive`: ro, every group. Unit: ms. Requires CONFIG_BFQ_CGROUP_DEBUG. Codec: deviceValues.
     * @beta
     */
    get bfqTimeRecursive(): ReadOnlyFile<Readonly<Record<string, bigint>>>;
    /**
     * BFQ debug - Sectors the group transferred per device.
     *
     * File `blkio.bfq.sectors`: ro, every group. Unit: sectors. Requires CONFIG_BFQ_CGROUP_DEBUG. Codec: deviceValues.
     * @beta
     */
    get bfqSectors(): ReadOnlyFile<Readonly<Record<string, bigint>>>;
    /**
     * BFQ debug - like blkio.bfq.sectors, summed over the group and its descendants.
     *
     * File `blkio.bfq.sectors_recursive`: ro, every group. Unit: sectors. Requires CONFIG_BFQ_CGROUP_DEBUG. Codec: deviceValues.
     * @beta
     */
    get bfqSectorsRecursive(): ReadOnlyFile<Readonly<Record<string, bigint>>>;
    /**
     * BFQ debug - Time from dispatch to completion of the group's I/O per device, by operation type.
     *
     * File `blkio.bfq.io_service_time`: ro, every group. Unit: nsec. Requires CONFIG_BFQ_CGROUP_DEBUG. Codec: blkioStat.
     * @beta
     */
    get bfqIoServiceTime(): ReadOnlyFile<BlkioStat>;
    /**
     * BFQ debug - like blkio.bfq.io_service_time, summed over the group and its descendants.
     *
     * File `blkio.bfq.io_service_time_recursive`: ro, every group. Unit: nsec. Requires CONFIG_BFQ_CGROUP_DEBUG. Codec: blkioStat.
     * @beta
     */
    get bfqIoServiceTimeRecursive(): ReadOnlyFile<BlkioStat>;
    /**
     * BFQ debug - Time the group's I/O waited in scheduler queues per device, by operation type.
     *
     * File `blkio.bfq.io_wait_time`: ro, every group. Unit: nsec. Requires CONFIG_BFQ_CGROUP_DEBUG. Codec: blkioStat.
     * @beta
     */
    get bfqIoWaitTime(): ReadOnlyFile<BlkioStat>;
    /**
     * BFQ debug - like blkio.bfq.io_wait_time, summed over the group and its descendants.
     *
     * File `blkio.bfq.io_wait_time_recursive`: ro, every group. Unit: nsec. Requires CONFIG_BFQ_CGROUP_DEBUG. Codec: blkioStat.
     * @beta
     */
    get bfqIoWaitTimeRecursive(): ReadOnlyFile<BlkioStat>;
    /**
     * BFQ debug - Bios/requests merged into the group's requests per device, by operation type.
     *
     * File `blkio.bfq.io_merged`: ro, every group. Unit: count. Requires CONFIG_BFQ_CGROUP_DEBUG. Codec: blkioStat.
     * @beta
     */
    get bfqIoMerged(): ReadOnlyFile<BlkioStat>;
    /**
     * BFQ debug - like blkio.bfq.io_merged, summed over the group and its descendants.
     *
     * File `blkio.bfq.io_merged_recursive`: ro, every group. Unit: count. Requires CONFIG_BFQ_CGROUP_DEBUG. Codec: blkioStat.
     * @beta
     */
    get bfqIoMergedRecursive(): ReadOnlyFile<BlkioStat>;
    /**
     * BFQ debug - Requests of the group queued at this instant per device, by operation type.
     *
     * File `blkio.bfq.io_queued`: ro, every group. Unit: count. Requires CONFIG_BFQ_CGROUP_DEBUG. Codec: blkioStat.
     * @beta
     */
    get bfqIoQueued(): ReadOnlyFile<BlkioStat>;
    /**
     * BFQ debug - like blkio.bfq.io_queued, summed over the group and its descendants.
     *
     * File `blkio.bfq.io_queued_recursive`: ro, every group. Unit: count. Requires CONFIG_BFQ_CGROUP_DEBUG. Codec: blkioStat.
     * @beta
     */
    get bfqIoQueuedRecursive(): ReadOnlyFile<BlkioStat>;
    /**
     * BFQ debug - Average number of queued requests of the group over its lifetime, sampled at each timeslice.
     *
     * File `blkio.bfq.avg_queue_size`: ro, every group. Unit: count. Requires CONFIG_BFQ_CGROUP_DEBUG. Codec: deviceValues.
     * @beta
     */
    get bfqAvgQueueSize(): ReadOnlyFile<Readonly<Record<string, bigint>>>;
    /**
     * BFQ debug - Time the busy group waited to get a timeslice for one of its queues.
     *
     * File `blkio.bfq.group_wait_time`: ro, every group. Unit: nsec. Requires CONFIG_BFQ_CGROUP_DEBUG. Codec: deviceValues.
     * @beta
     */
    get bfqGroupWaitTime(): ReadOnlyFile<Readonly<Record<string, bigint>>>;
    /**
     * BFQ debug - Time the group spent with no pending requests while not being served.
     *
     * File `blkio.bfq.empty_time`: ro, every group. Unit: nsec. Requires CONFIG_BFQ_CGROUP_DEBUG. Codec: deviceValues.
     * @beta
     */
    get bfqEmptyTime(): ReadOnlyFile<Readonly<Record<string, bigint>>>;
    /**
     * BFQ debug - Time the scheduler spent idling for the group in anticipation of a better request.
     *
     * File `blkio.bfq.idle_time`: ro, every group. Unit: nsec. Requires CONFIG_BFQ_CGROUP_DEBUG. Codec: deviceValues.
     * @beta
     */
    get bfqIdleTime(): ReadOnlyFile<Readonly<Record<string, bigint>>>;
    /**
     * BFQ debug - Times the group was dequeued from a device's service tree.
     *
     * File `blkio.bfq.dequeue`: ro, every group. Unit: count. Requires CONFIG_BFQ_CGROUP_DEBUG. Codec: deviceValues.
     * @beta
     */
    get bfqDequeue(): ReadOnlyFile<Readonly<Record<string, bigint>>>;
    /**
     * Per-device cap on reads from the device in bytes per second ("8:16 1048576"; 0 removes the rule).
     *
     * File `blkio.throttle.read_bps_device`: rw, every group. Unit: bytes/s. Since Linux 2.6.37. Requires CONFIG_BLK_DEV_THROTTLING. Codec: deviceValues.
     * @public
     */
    get throttleReadBpsDevice(): ReadWriteFile<Readonly<Record<string, bigint>>, {
        readonly device: string;
        readonly value: bigint;
    }>;
    /**
     * Per-device cap on reads from the device in I/O operations per second ("8:16 100"; 0 removes the rule).
     *
     * File `blkio.throttle.read_iops_device`: rw, every group. Unit: ios/s. Since Linux 2.6.37. Requires CONFIG_BLK_DEV_THROTTLING. Codec: deviceValues.
     * @public
     */
    get throttleReadIopsDevice(): ReadWriteFile<Readonly<Record<string, bigint>>, {
        readonly device: string;
        readonly value: bigint;
    }>;
    /**
     * Per-device cap on writes to the device in bytes per second ("8:16 1048576"; 0 removes the rule).
     *
     * File `blkio.throttle.write_bps_device`: rw, every group. Unit: bytes/s. Since Linux 2.6.37. Requires CONFIG_BLK_DEV_THROTTLING. Codec: deviceValues.
     * @public
     */
    get throttleWriteBpsDevice(): ReadWriteFile<Readonly<Record<string, bigint>>, {
        readonly device: string;
        readonly value: bigint;
    }>;
    /**
     * Per-device cap on writes to the device in I/O operations per second ("8:16 100"; 0 removes the rule).
     *
     * File `blkio.throttle.write_iops_device`: rw, every group. Unit: ios/s. Since Linux 2.6.37. Requires CONFIG_BLK_DEV_THROTTLING. Codec: deviceValues.
     * @public
     */
    get throttleWriteIopsDevice(): ReadWriteFile<Readonly<Record<string, bigint>>, {
        readonly device: string;
        readonly value: bigint;
    }>;
    /**
     * Bytes the group transferred per device as seen by the throttling layer, by operation type, with a Total.
     *
     * File `blkio.throttle.io_service_bytes`: ro, every group. Unit: bytes. Since Linux 2.6.37. Requires CONFIG_BLK_DEV_THROTTLING. Codec: blkioStat.
     * @public
     */
    get throttleIoServiceBytes(): ReadOnlyFile<BlkioStat>;
    /**
     * Like blkio.throttle.io_service_bytes, summed over the group and its descendants.
     *
     * File `blkio.throttle.io_service_bytes_recursive`: ro, every group. Unit: bytes. Requires CONFIG_BLK_DEV_THROTTLING. Codec: blkioStat.
     * @public
     */
    get throttleIoServiceBytesRecursive(): ReadOnlyFile<BlkioStat>;
    /**
     * I/O operations (bios) the group issued per device as seen by the throttling layer, by operation type, with a Total.
     *
     * File `blkio.throttle.io_serviced`: ro, every group. Unit: count. Since Linux 2.6.37. Requires CONFIG_BLK_DEV_THROTTLING. Codec: blkioStat.
     * @public
     */
    get throttleIoServiced(): ReadOnlyFile<BlkioStat>;
    /**
     * Like blkio.throttle.io_serviced, summed over the group and its descendants.
     *
     * File `blkio.throttle.io_serviced_recursive`: ro, every group. Unit: count. Requires CONFIG_BLK_DEV_THROTTLING. Codec: blkioStat.
     * @public
     */
    get throttleIoServicedRecursive(): ReadOnlyFile<BlkioStat>;
    /**
     * Writing an integer (conventionally 0) resets all of the group's blkio statistics.
     *
     * File `blkio.reset_stats`: wo, every group. Codec: int.
     * @public
     */
    get resetStats(): WriteOnlyFile<number>;
    /**
     * I/O priority class policy applied to the group's requests (no-change, promote-to-rt, restrict-to-be, idle; none-to-rt is an old alias).
     *
     * File `blkio.prio.class`: rw, every group. Since Linux 5.14. Requires CONFIG_BLK_CGROUP_IOPRIO. Codec: enum.
     * @beta
     */
    get prioClass(): ReadWriteFile<"no-change" | "promote-to-rt" | "restrict-to-be" | "idle" | "none-to-rt">;
    /**
     * CFQ default I/O weight of the group on every device (10..1000).
     *
     * File `blkio.weight`: rw, every group. Since Linux 2.6.33. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*. Codec: int.
     * @beta
     */
    get weight(): ReadWriteFile<number>;
    /**
     * CFQ per-device weights overriding blkio.weight (0 drops the rule).
     *
     * File `blkio.weight_device`: rw, every group. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*. Codec: deviceValues.
     * @beta
     */
    get weightDevice(): ReadWriteFile<Readonly<Record<string, bigint>>, {
        readonly device: string;
        readonly value: bigint;
    }>;
    /**
     * CFQ - Disk time allocated to the group per device.
     *
     * File `blkio.time`: ro, every group. Unit: ms. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*. Codec: deviceValues.
     * @beta
     */
    get time(): ReadOnlyFile<Readonly<Record<string, bigint>>>;
    /**
     * CFQ - like blkio.time, summed over the group and its descendants.
     *
     * File `blkio.time_recursive`: ro, every group. Unit: ms. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*. Codec: deviceValues.
     * @beta
     */
    get timeRecursive(): ReadOnlyFile<Readonly<Record<string, bigint>>>;
    /**
     * CFQ - Sectors transferred by the group per device.
     *
     * File `blkio.sectors`: ro, every group. Unit: sectors. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*. Codec: deviceValues.
     * @beta
     */
    get sectors(): ReadOnlyFile<Readonly<Record<string, bigint>>>;
    /**
     * CFQ - like blkio.sectors, summed over the group and its descendants.
     *
     * File `blkio.sectors_recursive`: ro, every group. Unit: sectors. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*. Codec: deviceValues.
     * @beta
     */
    get sectorsRecursive(): ReadOnlyFile<Readonly<Record<string, bigint>>>;
    /**
     * CFQ - Bytes transferred by the group per device, by operation type.
     *
     * File `blkio.io_service_bytes`: ro, every group. Unit: bytes. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*. Codec: blkioStat.
     * @beta
     */
    get ioServiceBytes(): ReadOnlyFile<BlkioStat>;
    /**
     * CFQ - like blkio.io_service_bytes, summed over the group and its descendants.
     *
     * File `blkio.io_service_bytes_recursive`: ro, every group. Unit: bytes. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*. Codec: blkioStat.
     * @beta
     */
    get ioServiceBytesRecursive(): ReadOnlyFile<BlkioStat>;
    /**
     * CFQ - I/O operations issued by the group per device, by operation type.
     *
     * File `blkio.io_serviced`: ro, every group. Unit: count. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*. Codec: blkioStat.
     * @beta
     */
    get ioServiced(): ReadOnlyFile<BlkioStat>;
    /**
     * CFQ - like blkio.io_serviced, summed over the group and its descendants.
     *
     * File `blkio.io_serviced_recursive`: ro, every group. Unit: count. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*. Codec: blkioStat.
     * @beta
     */
    get ioServicedRecursive(): ReadOnlyFile<BlkioStat>;
    /**
     * CFQ - Time from dispatch to completion of the group's I/O per device, by operation type.
     *
     * File `blkio.io_service_time`: ro, every group. Unit: nsec. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*. Codec: blkioStat.
     * @beta
     */
    get ioServiceTime(): ReadOnlyFile<BlkioStat>;
    /**
     * CFQ - like blkio.io_service_time, summed over the group and its descendants.
     *
     * File `blkio.io_service_time_recursive`: ro, every group. Unit: nsec. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*. Codec: blkioStat.
     * @beta
     */
    get ioServiceTimeRecursive(): ReadOnlyFile<BlkioStat>;
    /**
     * CFQ - Time the group's I/O waited in scheduler queues per device, by operation type.
     *
     * File `blkio.io_wait_time`: ro, every group. Unit: nsec. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*. Codec: blkioStat.
     * @beta
     */
    get ioWaitTime(): ReadOnlyFile<BlkioStat>;
    /**
     * CFQ - like blkio.io_wait_time, summed over the group and its descendants.
     *
     * File `blkio.io_wait_time_recursive`: ro, every group. Unit: nsec. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*. Codec: blkioStat.
     * @beta
     */
    get ioWaitTimeRecursive(): ReadOnlyFile<BlkioStat>;
    /**
     * CFQ - Bios/requests merged into the group's requests, by operation type.
     *
     * File `blkio.io_merged`: ro, every group. Unit: count. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*. Codec: blkioStat.
     * @beta
     */
    get ioMerged(): ReadOnlyFile<BlkioStat>;
    /**
     * CFQ - like blkio.io_merged, summed over the group and its descendants.
     *
     * File `blkio.io_merged_recursive`: ro, every group. Unit: count. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*. Codec: blkioStat.
     * @beta
     */
    get ioMergedRecursive(): ReadOnlyFile<BlkioStat>;
    /**
     * CFQ - Requests of the group queued at this instant, by operation type.
     *
     * File `blkio.io_queued`: ro, every group. Unit: count. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*. Codec: blkioStat.
     * @beta
     */
    get ioQueued(): ReadOnlyFile<BlkioStat>;
    /**
     * CFQ - like blkio.io_queued, summed over the group and its descendants.
     *
     * File `blkio.io_queued_recursive`: ro, every group. Unit: count. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*. Codec: blkioStat.
     * @beta
     */
    get ioQueuedRecursive(): ReadOnlyFile<BlkioStat>;
    /**
     * CFQ debug - Average number of queued requests of the group over its lifetime.
     *
     * File `blkio.avg_queue_size`: ro, every group. Unit: count. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*; also needed CONFIG_DEBUG_BLK_CGROUP. Codec: deviceValues.
     * @beta
     */
    get avgQueueSize(): ReadOnlyFile<Readonly<Record<string, bigint>>>;
    /**
     * CFQ debug - Time the busy group waited to get a timeslice.
     *
     * File `blkio.group_wait_time`: ro, every group. Unit: nsec. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*; also needed CONFIG_DEBUG_BLK_CGROUP. Codec: deviceValues.
     * @beta
     */
    get groupWaitTime(): ReadOnlyFile<Readonly<Record<string, bigint>>>;
    /**
     * CFQ debug - Time the group spent with no pending requests while not being served.
     *
     * File `blkio.empty_time`: ro, every group. Unit: nsec. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*; also needed CONFIG_DEBUG_BLK_CGROUP. Codec: deviceValues.
     * @beta
     */
    get emptyTime(): ReadOnlyFile<Readonly<Record<string, bigint>>>;
    /**
     * CFQ debug - Time the scheduler spent idling for the group.
     *
     * File `blkio.idle_time`: ro, every group. Unit: nsec. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*; also needed CONFIG_DEBUG_BLK_CGROUP. Codec: deviceValues.
     * @beta
     */
    get idleTime(): ReadOnlyFile<Readonly<Record<string, bigint>>>;
    /**
     * CFQ debug - Times the group was dequeued from a device's service tree.
     *
     * File `blkio.dequeue`: ro, every group. Unit: count. Requires removed in 5.0 with the CFQ I/O scheduler (legacy block layer); BFQ exposes the same data as blkio.bfq.*; also needed CONFIG_DEBUG_BLK_CGROUP. Codec: deviceValues.
     * @beta
     */
    get dequeue(): ReadOnlyFile<Readonly<Record<string, bigint>>>;
}

/**
 * v1 blkio.weight (10..1000) → v2 io.weight (1..10000): `1 + (weight - 10) * 9999 / 990`. runc's mapping; 0 means unset.
 * Loss: none going up (each blkio weight has its own io weight); io → blkio rounds.
 * @public
 */
export declare function blkioWeightToIoWeight(weight: number): number;

declare namespace bpf {
    export {
        bpfSyscallNumber,
        closeFd,
        parseProcessedInsns,
        loadDeviceProgram,
        attachDeviceProgram,
        detachDeviceProgram,
        queryDevicePrograms,
        programFdById,
        programInfo,
        BPF_SYSCALL_NUMBERS,
        BPF_CMD,
        BPF_PROG_TYPE_CGROUP_DEVICE,
        BPF_CGROUP_DEVICE,
        BPF_F_ALLOW_OVERRIDE,
        BPF_F_ALLOW_MULTI,
        BPF_F_REPLACE,
        BPF_OBJ_NAME_LEN,
        LoadedProgram,
        BpfQueryResult,
        BpfProgramInfo
    }
}

/** enum bpf_attach_type BPF_CGROUP_DEVICE. @internal */
declare const BPF_CGROUP_DEVICE = 6;

/** enum bpf_cmd values. @internal */
declare const BPF_CMD: Readonly<Record<BpfCommandName, number>>;

/** @public */
export declare const BPF_F_ALLOW_MULTI = 2;

/** Attach flags. @public */
export declare const BPF_F_ALLOW_OVERRIDE = 1;

/** @public */
export declare const BPF_F_REPLACE = 4;

/** BPF_OBJ_NAME_LEN: program names hold at most 15 bytes plus NUL. @internal */
declare const BPF_OBJ_NAME_LEN = 16;

/** enum bpf_prog_type BPF_PROG_TYPE_CGROUP_DEVICE. @internal */
declare const BPF_PROG_TYPE_CGROUP_DEVICE = 15;

/** bpf(2) syscall numbers per Node architecture (arch/*\/syscall tables, asm-generic 280). @internal */
declare const BPF_SYSCALL_NUMBERS: Readonly<Partial<Record<NodeJS.Architecture, number>>>;

/** Names of the bpf(2) commands this package issues. @public */
export declare type BpfCommandName = "BPF_PROG_LOAD" | "BPF_PROG_ATTACH" | "BPF_PROG_DETACH" | "BPF_PROG_GET_FD_BY_ID" | "BPF_OBJ_GET_INFO_BY_FD" | "BPF_PROG_QUERY";

/** The bpf(2) operations the apply path uses; tests wrap them to inject faults. @internal */
export declare interface BpfDeviceOps {
    load(bytecode: Buffer, name: string): bpf.LoadedProgram;
    attach(cgroupFd: number, progFd: number, flags: number, replaceFd: number | undefined, target: string): void;
    detach(cgroupFd: number, progFd: number, target: string): void;
    query(cgroupFd: number, target: string): bpf.BpfQueryResult;
    fdById(id: number): number;
    info(progFd: number): bpf.BpfProgramInfo;
    close(fd: number): void;
}

/**
 * A bpf(2) call failed. `code` (and `errno`) is the errno name; `command` the bpf command;
 * `verifierLog` the verifier's output when a program load was refused.
 * @public
 */
export declare class BpfError extends CgroupError {
    readonly command: BpfCommandName;
    readonly errno: string;
    /** The target: a cgroup directory or a program id, when the call had one. */
    readonly target: string | undefined;
    readonly verifierLog: string | undefined;
    constructor(command: BpfCommandName, errno: string, options?: {
        target?: string;
        verifierLog?: string;
        detail?: string;
    });
}

/** One eBPF instruction, fields as the kernel's `struct bpf_insn`. @public */
export declare interface BpfInsn {
    /** Opcode byte: class | size/mode or op | source. */
    readonly code: number;
    /** Destination register, 0..10. */
    readonly dst: number;
    /** Source register, 0..10. */
    readonly src: number;
    /** Signed 16-bit jump offset or memory offset. */
    readonly off: number;
    /** Signed 32-bit immediate. */
    readonly imm: number;
}

/** What BPF_OBJ_GET_INFO_BY_FD reports about a program. @public */
export declare interface BpfProgramInfo {
    readonly type: number;
    readonly id: number;
    /** The kernel's hash of the translated program, hex. */
    readonly tag: string;
    readonly name: string;
    /** Instructions after the kernel's rewriting (xlated_prog_len / 8). */
    readonly xlatedInsns: number;
    /** Instructions the verifier processed (kernel 5.16+). */
    readonly verifiedInsns: number | undefined;
    readonly createdByUid: number;
    /** Nanoseconds since boot at load time. */
    readonly loadTime: bigint;
}

/** What BPF_PROG_QUERY reports for one attach type of a cgroup. @public */
export declare interface BpfQueryResult {
    /** The group's attach flags for device programs (BPF_F_ALLOW_MULTI etc.); 0 when none is attached. */
    readonly attachFlags: number;
    /** Ids of the programs attached to this group itself (not inherited), in run order. */
    readonly programIds: readonly number[];
}

/**
 * The bpf(2) syscall number on `arch`.
 * @throws UnsupportedError for an architecture not in the table.
 * @internal
 */
declare function bpfSyscallNumber(arch: string): number;

/** zod is half the package's import time: it is loaded on the first OCI parse, not at import. */
declare function buildSchema(zod: typeof z): z.ZodObject<{
    devices: z.ZodOptional<z.ZodArray<z.ZodObject<{
        allow: z.ZodBoolean;
        type: z.ZodOptional<z.ZodEnum<{
            a: "a";
            b: "b";
            c: "c";
        }>>;
        major: z.ZodOptional<z.ZodNullable<z.ZodNumber>>;
        minor: z.ZodOptional<z.ZodNullable<z.ZodNumber>>;
        access: z.ZodOptional<z.ZodString>;
    }, z.core.$strict>>>;
    memory: z.ZodOptional<z.ZodObject<{
        limit: z.ZodOptional<z.ZodPipe<z.ZodUnion<readonly [z.ZodBigInt, z.ZodNumber]>, z.ZodTransform<bigint, number | bigint>>>;
        reservation: z.ZodOptional<z.ZodPipe<z.ZodUnion<readonly [z.ZodBigInt, z.ZodNumber]>, z.ZodTransform<bigint, number | bigint>>>;
        swap: z.ZodOptional<z.ZodPipe<z.ZodUnion<readonly [z.ZodBigInt, z.ZodNumber]>, z.ZodTransform<bigint, number | bigint>>>;
        kernel: z.ZodOptional<z.ZodPipe<z.ZodUnion<readonly [z.ZodBigInt, z.ZodNumber]>, z.ZodTransform<bigint, number | bigint>>>;
        kernelTCP: z.ZodOptional<z.ZodPipe<z.ZodUnion<readonly [z.ZodBigInt, z.ZodNumber]>, z.ZodTransform<bigint, number | bigint>>>;
        swappiness: z.ZodOptional<z.ZodPipe<z.ZodUnion<readonly [z.ZodBigInt, z.ZodNumber]>, z.ZodTransform<bigint, number | bigint>>>;
        disableOOMKiller: z.ZodOptional<z.ZodBoolean>;
        useHierarchy: z.ZodOptional<z.ZodBoolean>;
        checkBeforeUpdate: z.ZodOptional<z.ZodBoolean>;
    }, z.core.$strict>>;
    cpu: z.ZodOptional<z.ZodObject<{
        shares: z.ZodOptional<z.ZodPipe<z.ZodUnion<readonly [z.ZodBigInt, z.ZodNumber]>, z.ZodTransform<bigint, number | bigint>>>;
        quota: z.ZodOptional<z.ZodPipe<z.ZodUnion<readonly [z.ZodBigInt, z.ZodNumber]>, z.ZodTransform<bigint, number | bigint>>>;
        burst: z.ZodOptional<z.ZodPipe<z.ZodUnion<readonly [z.ZodBigInt, z.ZodNumber]>, z.ZodTransform<bigint, number | bigint>>>;
        period: z.ZodOptional<z.ZodPipe<z.ZodUnion<readonly [z.ZodBigInt, z.ZodNumber]>, z.ZodTransform<bigint, number | bigint>>>;
        realtimeRuntime: z.ZodOptional<z.ZodPipe<z.ZodUnion<readonly [z.ZodBigInt, z.ZodNumber]>, z.ZodTransform<bigint, number | bigint>>>;
        realtimePeriod: z.ZodOptional<z.ZodPipe<z.ZodUnion<readonly [z.ZodBigInt, z.ZodNumber]>, z.ZodTransform<bigint, number | bigint>>>;
        cpus: z.ZodOptional<z.ZodString>;
        mems: z.ZodOptional<z.ZodString>;
        idle: z.ZodOptional<z.ZodPipe<z.ZodUnion<readonly [z.ZodBigInt, z.ZodNumber]>, z.ZodTransform<bigint, number | bigint>>>;
    }, z.core.$strict>>;
    pids: z.ZodOptional<z.ZodObject<{
        limit: z.ZodPipe<z.ZodUnion<readonly [z.ZodBigInt, z.ZodNumber]>, z.ZodTransform<bigint, number | bigint>>;
    }, z.core.$strict>>;
    blockIO: z.ZodOptional<z.ZodObject<{
        weight: z.ZodOptional<z.ZodNumber>;
        leafWeight: z.ZodOptional<z.ZodNumber>;
        weightDevice: z.ZodOptional<z.ZodArray<z.ZodObject<{
            major: z.ZodNumber;
            minor: z.ZodNumber;
            weight: z.ZodOptional<z.ZodNumber>;
            leafWeight: z.ZodOptional<z.ZodNumber>;
        }, z.core.$strict>>>;
        throttleReadBpsDevice: z.ZodOptional<z.ZodArray<z.ZodObject<{
            major: z.ZodNumber;
            minor: z.ZodNumber;
            rate: z.ZodPipe<z.ZodUnion<readonly [z.ZodBigInt, z.ZodNumber]>, z.ZodTransform<bigint, number | bigint>>;
        }, z.core.$strict>>>;
        throttleWriteBpsDevice: z.ZodOptional<z.ZodArray<z.ZodObject<{
            major: z.ZodNumber;
            minor: z.ZodNumber;
            rate: z.ZodPipe<z.ZodUnion<readonly [z.ZodBigInt, z.ZodNumber]>, z.ZodTransform<bigint, number | bigint>>;
        }, z.core.$strict>>>;
        throttleReadIOPSDevice: z.ZodOptional<z.ZodArray<z.ZodObject<{
            major: z.ZodNumber;
            minor: z.ZodNumber;
            rate: z.ZodPipe<z.ZodUnion<readonly [z.ZodBigInt, z.ZodNumber]>, z.ZodTransform<bigint, number | bigint>>;
        }, z.core.$strict>>>;
        throttleWriteIOPSDevice: z.ZodOptional<z.ZodArray<z.ZodObject<{
            major: z.ZodNumber;
            minor: z.ZodNumber;
            rate: z.ZodPipe<z.ZodUnion<readonly [z.ZodBigInt, z.ZodNumber]>, z.ZodTransform<bigint, number | bigint>>;
        }, z.core.$strict>>>;
    }, z.core.$strict>>;
    hugepageLimits: z.ZodOptional<z.ZodArray<z.ZodObject<{
        pageSize: z.ZodString;
        limit: z.ZodPipe<z.ZodUnion<readonly [z.ZodBigInt, z.ZodNumber]>, z.ZodTransform<bigint, number | bigint>>;
    }, z.core.$strict>>>;
    network: z.ZodOptional<z.ZodObject<{
        classID: z.ZodOptional<z.ZodNumber>;
        priorities: z.ZodOptional<z.ZodArray<z.ZodObject<{
            name: z.ZodString;
            priority: z.ZodNumber;
        }, z.core.$strict>>>;
    }, z.core.$strict>>;
    rdma: z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodObject<{
        hcaHandles: z.ZodOptional<z.ZodNumber>;
        hcaObjects: z.ZodOptional<z.ZodNumber>;
    }, z.core.$strict>>>;
    unified: z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodString>>;
}, z.core.$strict>;

/**
 * A logical cgroup (`libvirt/lxc/web1`) placed in every hierarchy that holds its controllers.
 * Names are hierarchy paths without the leading `/`, as `/proc/<pid>/cgroup` prints them.
 * @public
 */
export declare class Cgroup {
    /** The group name, relative to the hierarchy root. */
    readonly name: string;
    /** Its directory in each selected hierarchy, v1 first, then cgroup2. */
    readonly placements: readonly CgroupPlacement[];
    readonly layout: CgroupLayout;
    /** The filesystem every operation of this handle goes through. */
    readonly fs: CgroupFs;
    private readonly signal;
    private constructor();
    private v1Accessors;
    private v2Accessors;
    /** Typed accessors of the v1 control files (`cg.v1.memory?.limitInBytes`), by controller. */
    get v1(): V1Accessors;
    /**
     * Typed accessors of the cgroup2 control files (`cg.v2.memory.max`), every controller bound to the group's cgroup2 directory.
     * @throws {@link UnsupportedError} when the group has no cgroup2 placement
         */
     get v2(): V2Accessors;
     /** The group as `/proc/<pid>/cgroup` shows it: `/` + name. */
     get path(): string;
     private static prepare;
     /**
      * Create the group (and missing parents) in every selected hierarchy; an existing group is fine.
      * v1 cpuset: new levels get their parent's `cpuset.cpus`/`cpuset.mems` so a process can join.
      * cgroup2: the selected controllers are enabled in `cgroup.subtree_control` top-down, mount root to parent.
      */
     static create(name: string, options?: CgroupOptions): Promise<Cgroup>;
     /**
      * Open an existing group; every selected hierarchy must have it.
      * @throws {@link CgroupIoError} ENOENT naming the missing directory
          */
      static open(name: string, options?: CgroupOptions): Promise<Cgroup>;
      /** The placement in the hierarchy that holds a controller (`memory`, `name=systemd`), if selected. */
      placement(controller: string): CgroupPlacement | undefined;
      /** The placement in the cgroup2 hierarchy, if selected. */
      get v2Placement(): CgroupPlacement | undefined;
      /** Child group names (full names, sorted), across every hierarchy. */
      children(): Promise<string[]>;
      /** Pids in the group (union across hierarchies, sorted); `recursive` adds every descendant group's. */
      procs(options?: {
          recursive?: boolean;
      }): Promise<number[]>;
      /** Every pid in the subtree; a group gone from some hierarchy (ENOENT) contributes none. */
      private livePids;
      private collectPids;
      /** Move a process (all its threads) into the group in every hierarchy. */
      attach(pid: number): Promise<void>;
      /**
       * Freeze every process in the group and its descendants, and wait until the kernel reports it frozen:
       * `cgroup.freeze` on cgroup2 when present, else the v1 freezer.
       * @throws {@link UnsupportedError} when neither is available to this group
           */
       freeze(options?: {
           timeoutMs?: number;
       }): Promise<void>;
       /** Thaw the group wherever it can be frozen. */
       thaw(): Promise<void>;
       private canFreeze;
       /**
        * Kill every process in the group and its descendants and wait until none is left.
        * cgroup2 with `cgroup.kill`: one write does it. Otherwise: freeze (so nothing forks meanwhile),
        * SIGKILL every pid, thaw, and repeat until the group is empty. A group that vanished counts as empty.
        * @throws {@link CgroupBusyError} when processes remain after `timeoutMs` (default 10 s)
            */
        kill(options?: {
            timeoutMs?: number;
        }): Promise<void>;
        /**
         * Remove the group and every group under it, bottom-up, in every hierarchy; `rmdir` that fails
         * with EBUSY is retried (bounded). A group that is already gone is not an error.
         *
         * Without `kill`, a live process anywhere in the subtree, in any hierarchy, refuses the removal
         * before anything is removed. With `kill`, each hierarchy's directory is first simply removed:
         * the kernel's rmdir succeeds only for a group without processes and subgroups, so this removes
         * nothing a process is in, and an empty leaf costs one call per hierarchy. Only where that is
         * refused (EBUSY; ENOTEMPTY on a non-cgroup filesystem) are processes killed and the subtree
         * removed bottom-up. If that kill times out, the hierarchies whose group was empty are already
         * gone; calling remove again finishes the rest.
         * @throws {@link CgroupBusyError} when live processes remain and `kill` is not set
             */
         remove(options?: RemoveOptions): Promise<void>;
         /** One rmdir: true when the directory is gone (or already was), false when the kernel says it is in use or not empty. */
         private rmdirIfEmpty;
         private removeTree;
         /**
          * Give a uid/gid the group to manage: the directory and the files the kernel's delegation rules
          * name (cgroup2: those in `/sys/kernel/cgroup/delegate`, else cgroup.procs, cgroup.threads and
          * cgroup.subtree_control; v1: cgroup.procs and tasks). Returns the paths changed.
          */
         delegate(uid: number, gid: number): Promise<string[]>;
        }

        /** Longest directory name the kernel accepts (NAME_MAX), in bytes. @public */
        export declare const CGROUP_NAME_MAX = 255;

        /**
         * A group that still has live processes where none may be: `remove` without `kill`, or `kill`
         * past its deadline. `code` is EBUSY.
         * @public
         */
        export declare class CgroupBusyError extends CgroupIoError {
            readonly group: string;
            readonly pids: readonly number[];
            constructor(op: string, group: string, dir: string, pids: readonly number[]);
        }

        /** A directory entry of a cgroup directory. @public */
        export declare interface CgroupDirEntry {
            readonly name: string;
            readonly isDirectory: boolean;
        }

        /** Base of every error cgroupkit throws. @public */
        export declare class CgroupError extends Error {
            /** Stable machine-readable code: an errno name (`EBUSY`) or an `ERR_*` code. */
            readonly code: string;
            constructor(code: string, message: string, options?: {
                cause?: unknown;
            });
        }

        /**
         * Reads and writes cgroupfs. A write is exactly one `write(2)` on a file opened
         * `O_WRONLY` (never created, never truncated): the kernel parses each write on its own.
         * Failures are {@link CgroupIoError} with the errno name.
         * @public
         */
        export declare interface CgroupFs {
            readFile(path: string): Promise<string>;
            readFileSync(path: string): string;
            writeFile(path: string, data: string): Promise<void>;
            writeFileSync(path: string, data: string): void;
            mkdir(path: string): Promise<void>;
            rmdir(path: string): Promise<void>;
            readdir(path: string): Promise<CgroupDirEntry[]>;
            /** lstat; `undefined` when the path does not exist. */
            stat(path: string): Promise<CgroupStat | undefined>;
            chown(path: string, uid: number, gid: number): Promise<void>;
        }

        /** @public */
        export declare type CgroupHierarchy = V1Hierarchy | V2Hierarchy;

        /** What every hierarchy has. @public */
        export declare interface CgroupHierarchyBase {
            /** Id in `/proc/self/cgroup`; undefined for a mount that file does not list. */
            readonly hierarchyId: number | undefined;
            /** Usable controllers: v1, those bound to it; v2, those available at the mount root and not held by v1. */
            readonly controllers: readonly string[];
            /** `major:minor` of the hierarchy's filesystem, when mounted. */
            readonly device: string | undefined;
            /** Every mount of this hierarchy, in mount order. */
            readonly mounts: readonly CgroupMount[];
            /** Every mount point, in mount order. */
            readonly mountPoints: readonly string[];
            /** The mount cgroupkit uses: one that shows this process's cgroup, preferring root `/`. Undefined when none is usable. */
            readonly mountPoint: string | undefined;
            /** mountinfo's root field for `mountPoint`. */
            readonly root: string | undefined;
            /** This process's cgroup in the hierarchy (from `/proc/self/cgroup`). */
            readonly path: string | undefined;
        }

        /** A syscall on cgroupfs failed; `code` is the errno name. @public */
        export declare class CgroupIoError extends CgroupError {
            readonly op: string;
            readonly path: string;
            readonly errno: string;
            readonly value: string | undefined;
            constructor(op: string, path: string, errno: string, value?: string, cause?: unknown);
        }

        /**
         * The cgroup layout seen by a process. `kind` counts mounted hierarchies only:
         * `hybrid` is v1 hierarchies plus a cgroup2 mount; `none` is no cgroup filesystem mounted.
         * @public
         */
        export declare interface CgroupLayout {
            readonly kind: "v1" | "v2" | "hybrid" | "none";
            /** v1 hierarchies in `/proc/self/cgroup` order, then v2; unmounted ones included (`mounts` empty). */
            readonly hierarchies: readonly CgroupHierarchy[];
            readonly v1: readonly V1Hierarchy[];
            readonly v2: V2Hierarchy | undefined;
        }

        /** One place a hierarchy is mounted. @public */
        export declare interface CgroupMount {
            readonly mountPoint: string;
            /** The hierarchy path shown at `mountPoint` (mountinfo's root field). `/..` prefixes mean outside this cgroup namespace. */
            readonly root: string;
            readonly readOnly: boolean;
        }

        /** How a {@link Cgroup} finds and touches its hierarchies. @public */
        export declare interface CgroupOptions {
            /** The layout to resolve onto; default {@link readCgroupLayout} of this process. */
            readonly layout?: CgroupLayout;
            /**
             * Controllers the group needs (`memory`, `cpu`, `pids`, `name=systemd`, …); each selects the hierarchy
             * that holds it, and the cgroup2 hierarchy is always included when mounted. Default: every mounted hierarchy.
             * On cgroup2, `create` enables the selected v2 controllers in `cgroup.subtree_control` of each ancestor, the mount root
             * included. Default: the controllers the mount root already enables, so a default create never changes the host's root group.
             */
            readonly controllers?: readonly string[];
            /** Default {@link nodeCgroupFs}. */
            readonly fs?: CgroupFs;
            /** Sends SIGKILL to a pid during {@link Cgroup.kill}; default `process.kill`. */
            readonly signal?: (pid: number, signal: "SIGKILL") => void;
        }

        /** The group's directory in one hierarchy. @public */
        export declare interface CgroupPlacement {
            readonly hierarchy: CgroupHierarchy;
            /** The mount the directory is reached through. */
            readonly mount: CgroupMount;
            /** Absolute directory of the group. */
            readonly dir: string;
        }

        /** File status as cgroupkit needs it. @public */
        export declare interface CgroupStat {
            readonly isDirectory: boolean;
            readonly isSymbolicLink: boolean;
            /** Permission bits (`mode & 0o7777`). */
            readonly mode: number;
            readonly uid: number;
            readonly gid: number;
        }

        /** Close a file descriptor returned by bpf(2) (libc close). @internal */
        declare function closeFd(fd: number): void;

        /**
         * Parses what the kernel prints and formats what it accepts.
         * `format` validates first and throws {@link InvalidValueError}; it never returns text with a newline.
         * @public
         */
        export declare interface Codec<R, W = R> {
            /** The codec's name in the spec's closed list. */
            readonly name: string;
            parse(text: string, file?: string): R;
            format(value: W, file?: string): string;
        }

        /** The names in the closed codec list, as the spec writes them. @public */
        export declare type CodecName = keyof Codecs;

        /** Every codec name, for validating a spec against the runtime. @public */
        export declare const codecNames: readonly CodecName[];

        /**
         * The codec factories. Every `parse` takes the kernel's text (trailing newline included) and throws
         * `ParseError` when it does not match; every `format` validates first, throws `InvalidValueError`
         * for anything the kernel would refuse or misread, and returns one line without a newline.
         * @public
         */
        export declare interface Codecs {
            /** Unsigned 64-bit decimal as `bigint`; `min`/`max` bound writes. */
            u64(o?: {
                min?: bigint;
                max?: bigint;
            }): Codec<bigint>;
            /** Signed 64-bit decimal as `bigint` (v1 `cpu.cfs_quota_us` reads `-1`). */
            s64(o?: {
                min?: bigint;
                max?: bigint;
            }): Codec<bigint>;
            /** Safe integer as `number`: weights, nice values, swappiness. */
            int(o?: {
                min?: number;
                max?: number;
            }): Codec<number>;
            /** `"max"` or an unsigned 64-bit decimal: `memory.max`, `pids.max`. */
            limit(o?: {
                min?: bigint;
                max?: bigint;
            }): Codec<bigint | "max">;
            /** `0`/`1` as `boolean`. */
            bool(): Codec<boolean>;
            /** v1 memory byte limits: the kernel's "unlimited" (≥ 0x7FFFFFFFFFFFF000) reads as `"max"`; `"max"` writes `-1`. */
            v1Bytes(): Codec<bigint | "max">;
            /** One line of text without its newline. */
            string(): Codec<string>;
            /** The whole raw text, for unstructured read-only files. */
            text(): Codec<string>;
            /** One of a fixed set of words; files that print every choice with the current one in brackets read as the bracketed one. */
            enum<const V extends string>(o: {
                values: readonly V[];
            }): Codec<V>;
            /** `cpu.max`: `"$MAX $PERIOD"`; a write without a period sets only the quota. */
            cpuMax(): Codec<CpuMax, CpuMaxWrite>;
            /** `cpu.uclamp.*`: `"max"` or a percentage with at most two decimals. */
            percentOrMax(): Codec<number | "max">;
            /** `key value` lines; unknown keys are kept; a write sets exactly one key. */
            flatKeyed<K extends string = string, V = bigint>(o?: {
                keys?: readonly K[];
                value?: ScalarKind;
            }): Codec<KeyedValues<K, V>, Readonly<Record<string, V>>>;
            /** `KEY k=v k=v` lines (`io.stat`, `io.max`, `rdma.max`, `memory.numa_stat`); a write sets exactly one outer key. */
            nestedKeyed<K extends string = string, V = bigint>(o?: {
                keys?: readonly K[];
                value?: ScalarKind;
            }): Codec<Readonly<Record<string, KeyedValues<K, V>>>, Readonly<Record<string, Readonly<Record<string, V>>>>>;
            /** `MAJ:MIN value` lines and the `default value` line (`io.weight`, v1 `blkio.throttle.*_device`). */
            deviceValues<V = bigint>(o?: {
                value?: ScalarKind;
            }): Codec<Readonly<Record<string, V>>, {
                readonly device: string;
                readonly value: V;
            }>;
            /** Pressure stall information; a write registers a trigger (`some 150000 1000000`). */
            psi(): Codec<Pressure, PressureTrigger>;
            /** Newline-separated pids (`cgroup.procs`, `tasks`); a write moves one pid. */
            pidList(): Codec<number[], number>;
            /** Space-separated words (`cgroup.controllers`). */
            words(): Codec<string[]>;
            /** Newline-separated lines; a write is one line. */
            lines(): Codec<string[], string>;
            /** Space-separated unsigned 64-bit integers (`cpuacct.usage_percpu`). */
            u64List(): Codec<bigint[]>;
            /** cpu/memory-node lists (`0-3,5`), expanded to a sorted unique array; a write compacts an array or checks a list string. */
            rangeList(): Codec<number[], readonly number[] | string>;
            /** `cgroup.subtree_control`: reads the enabled names; a write enables and disables (`+cpu -io`). */
            subtreeControl(): Codec<string[], {
                readonly enable?: readonly string[];
                readonly disable?: readonly string[];
            }>;
            /** v1 device rules (`c 1:3 rwm`); a write is one rule. */
            deviceRules(): Codec<DeviceRule[], DeviceRule | string>;
            /** v1 blkio statistics (`8:0 Read 12` … `Total 15`). Read-only. */
            blkioStat(): Codec<BlkioStat>;
            /** A header line then rows of unsigned integers (`cpuacct.usage_all`). Read-only. */
            table(): Codec<Array<Readonly<Record<string, bigint>>>>;
            /** v1 `memory.numa_stat` / hugetlb `numa_stat`: `total=123 N0=123` lines keyed by the first key. Read-only. */
            numaStat(): Codec<Readonly<Record<string, Readonly<Record<string, bigint>>>>>;
        }

        /** The codec factories, by spec name. @public */
        export declare const codecs: Codecs;

        /** A compiled device filter. @public */
        export declare interface CompiledDeviceFilter {
            /** The program, ready for {@link encodeInsns}. */
            readonly instructions: readonly BpfInsn[];
            /** The program in the wire format `BPF_PROG_LOAD` takes (8 bytes per instruction). */
            readonly bytecode: Buffer;
            /** Readable assembly, one line per instruction, in the verifier log's syntax. */
            readonly listing: string;
            /** Number of instructions. */
            readonly count: number;
            /** Exceptions left after the equivalence-preserving simplification. */
            readonly effectiveExceptions: number;
        }

        /** The two-instruction program that denies every device access. @public */
        export declare function compileDenyAll(): CompiledDeviceFilter;

        /**
         * Compile a device policy into an eBPF program for `BPF_PROG_TYPE_CGROUP_DEVICE`: returns 1
         * (allow) or 0 (deny), and decides exactly as `policy.allows` does for every type, major,
         * minor and non-empty access (the kernel always asks for at least one of r, w, m), including
         * requests for several access bits at once. A request type or access bit the kernel does not
         * define is denied by a default-deny program. Rules are validated first.
         * @throws InvalidValueError for a malformed rule or policy.
         * @public
         */
        export declare function compileDeviceFilter(policy: DeviceFilterPolicy): CompiledDeviceFilter;

        /** One control file of one cgroup directory. @public */
        export declare abstract class ControlFile {
            /** The cgroup directory. */
            readonly dir: string;
            /** The file name on disk (template parameters filled in). */
            readonly name: string;
            readonly meta: FileMeta;
            protected readonly fs: CgroupFs;
            constructor(
            /** The cgroup directory. */
            dir: string, 
            /** The file name on disk (template parameters filled in). */
            name: string, meta: FileMeta, fs: CgroupFs);
            /** Absolute path of the file. */
            get path(): string;
            /** Whether the running kernel shows this file in this group. */
            exists(): Promise<boolean>;
        }

        /** Base of every generated controller class: binds a cgroup directory and a filesystem. @public */
        export declare abstract class ControllerAccessor {
            /** The cgroup directory in this controller's hierarchy. */
            readonly dir: string;
            protected readonly fs: CgroupFs;
            constructor(
            /** The cgroup directory in this controller's hierarchy. */
            dir: string, fs: CgroupFs);
        }

        /**
         * Files the cgroup v1 core puts in every hierarchy, whatever controllers it carries (named hierarchies too).
         *
         * Control files of the cgroup v1 `core` interface, bound to one cgroup directory. Spec: `spec/v1/core.yaml`.
         * @public
         */
        export declare class CoreV1 extends ControllerAccessor {
            static readonly version = "v1";
            static readonly controller = "core";
            /**
             * Thread-group IDs of the processes in the group (unsorted, may repeat); writing a TGID moves every thread of that process here.
             *
             * File `cgroup.procs`: rw, every group. Since Linux 2.6.33. Codec: pidList.
             * @public
             */
            get procs(): ReadWriteFile<number[], number>;
            /**
             * Thread IDs attached to the group (unsorted); writing a TID moves that one thread here.
             *
             * File `tasks`: rw, every group. Since Linux 2.6.24. Codec: pidList.
             * @public
             */
            get tasks(): ReadWriteFile<number[], number>;
            /**
             * When 1, the hierarchy's release_agent runs once the group has no tasks and no children left; new groups inherit the parent's value.
             *
             * File `notify_on_release`: rw, every group. Since Linux 2.6.24. Codec: bool.
             * @public
             */
            get notifyOnRelease(): ReadWriteFile<boolean>;
            /**
             * Absolute path of the program run with the abandoned group's path when a notify_on_release group empties; empty by default.
             *
             * File `release_agent`: rw, root group only. Since Linux 2.6.24. Requires writable only by CAP_SYS_ADMIN in the initial user namespace (5.17 and later). Codec: string.
             * @public
             */
            get releaseAgent(): ReadWriteFile<string>;
            /**
             * When 1, a new child copies its parent's configuration at creation; only the cpuset controller honours it.
             *
             * File `cgroup.clone_children`: rw, every group. Codec: bool.
             * @public
             */
            get cloneChildren(): ReadWriteFile<boolean>;
            /**
             * Left-over flag of the abandoned v1 "sane behavior" mount option; always reads 0.
             *
             * File `cgroup.sane_behavior`: ro, root group only. Codec: bool.
             * @beta
             */
            get saneBehavior(): ReadOnlyFile<boolean>;
        }

        /**
         * Files of cgroup core itself, present in every cgroup whatever controllers are enabled.
         *
         * Control files of the cgroup v2 `core` interface, bound to one cgroup directory. Spec: `spec/v2/core.yaml`.
         * @public
         */
        export declare class CoreV2 extends ControllerAccessor {
            static readonly version = "v2";
            static readonly controller = "core";
            /**
             * The group's type (domain, threaded domain root, invalid domain, or threaded); writing "threaded" turns it into a threaded group.
             *
             * File `cgroup.type`: rw, non-root groups. Since Linux 4.14. Present without the controller enabled. Codec: enum, writes enum.
             * @public
             */
            get type(): ReadWriteFile<"domain" | "domain threaded" | "domain invalid" | "threaded", "threaded">;
            /**
             * PIDs of the processes in the group, unordered and possibly repeated; writing a PID moves that whole process here.
             *
             * File `cgroup.procs`: rw, every group. Since Linux 4.5. Present without the controller enabled. Codec: pidList.
             * @public
             */
            get procs(): ReadWriteFile<number[], number>;
            /**
             * TIDs of the threads in the group; writing a TID moves that one thread here, within the same resource domain.
             *
             * File `cgroup.threads`: rw, every group. Since Linux 4.14. Present without the controller enabled. Codec: pidList.
             * @public
             */
            get threads(): ReadWriteFile<number[], number>;
            /**
             * Controllers the parent makes available to this group, in no particular order.
             *
             * File `cgroup.controllers`: ro, every group. Since Linux 4.5. Present without the controller enabled. Codec: words.
             * @public
             */
            get controllers(): ReadOnlyFile<string[]>;
            /**
             * Controllers enabled for this group's children; write "+name" or "-name" entries, applied all or nothing.
             *
             * File `cgroup.subtree_control`: rw, every group. Since Linux 4.5. Present without the controller enabled. Codec: subtreeControl.
             * @public
             */
            get subtreeControl(): ReadWriteFile<string[], {
                readonly enable?: readonly string[];
                readonly disable?: readonly string[];
            }>;
            /**
             * Whether the subtree holds live processes (populated) and whether the group is frozen; a change raises a file-modified event.
             *
             * File `cgroup.events`: ro, non-root groups. Since Linux 4.5. Present without the controller enabled. Codec: flatKeyed.
             * @public
             */
            get events(): ReadOnlyFile<KeyedValues<"populated" | "frozen", bigint>>;
            /**
             * Most descendant groups allowed below this one; creating one more fails. Default "max".
             *
             * File `cgroup.max.descendants`: rw, every group. Since Linux 4.14. Present without the controller enabled. Codec: limit.
             * @public
             */
            get maxDescendants(): ReadWriteFile<bigint | "max">;
            /**
             * Deepest nesting allowed below this group; creating a child deeper fails. Default "max".
             *
             * File `cgroup.max.depth`: rw, every group. Since Linux 4.14. Present without the controller enabled. Codec: limit.
             * @public
             */
            get maxDepth(): ReadWriteFile<bigint | "max">;
            /**
             * Counts of live and dying descendant groups, plus nr_subsys_\<name\> and nr_dying_subsys_\<name\> per controller on newer kernels.
             *
             * File `cgroup.stat`: ro, every group. Since Linux 4.14. Present without the controller enabled. Codec: flatKeyed.
             * @public
             */
            get stat(): ReadOnlyFile<KeyedValues<"nr_descendants" | "nr_dying_descendants", bigint>>;
            /**
             * Local statistics of this group; frozen_usec is the total time spent between a freeze request and the matching thaw.
             *
             * File `cgroup.stat.local`: ro, non-root groups. Unit: microseconds. Since Linux 6.18. Present without the controller enabled. Codec: flatKeyed.
             * @public
             */
            get statLocal(): ReadOnlyFile<KeyedValues<"frozen_usec", bigint>>;
            /**
             * Writing 1 freezes every process in the group and its descendants, 0 thaws; completion shows as frozen in cgroup.events.
             *
             * File `cgroup.freeze`: rw, non-root groups. Since Linux 5.2. Present without the controller enabled. Codec: bool.
             * @public
             */
            get freeze(): ReadWriteFile<boolean>;
            /**
             * Writing 1 sends SIGKILL to every process in the group and its descendants; refused in threaded groups.
             *
             * File `cgroup.kill`: wo, non-root groups. Since Linux 5.14. Present without the controller enabled. Codec: int.
             * @public
             */
            get kill(): WriteOnlyFile<number>;
            /**
             * Whether PSI stall accounting runs for this group (default 1); not inherited, so non-leaf groups can switch it off alone.
             *
             * File `cgroup.pressure`: rw, every group. Since Linux 6.1. Present without the controller enabled. Requires CONFIG_PSI. Codec: bool.
             * @public
             */
            get pressureAccounting(): ReadWriteFile<boolean>;
            /**
             * Pressure stall information for time lost to hard and soft interrupts (a full line only); write a trigger to be notified.
             *
             * File `irq.pressure`: rw, every group. Since Linux 6.1. Present without the controller enabled. Requires CONFIG_PSI, CONFIG_IRQ_TIME_ACCOUNTING. Codec: psi.
             * @public
             */
            get irqPressure(): ReadWriteFile<Pressure, PressureTrigger>;
        }

        /** cpu.shares range on v1 and cpu.weight range on v2, per the kernel. @public */
        export declare const CPU_SHARES_RANGE: {
            readonly min: 2n;
            readonly max: 262144n;
            readonly default: 1024n;
        };

        /** @public */
        export declare const CPU_WEIGHT_RANGE: {
            readonly min: 1;
            readonly max: 10000;
            readonly default: 100;
        };

        /**
         * CPU accounting - CPU time consumed by the group's tasks and all its descendants, in total, per CPU and split user/system.
         *
         * Control files of the cgroup v1 `cpuacct` controller, bound to one cgroup directory. Spec: `spec/v1/cpuacct.yaml`.
         * @public
         */
        export declare class CpuacctV1 extends ControllerAccessor {
            static readonly version = "v1";
            static readonly controller = "cpuacct";
            /**
             * Total CPU time used by the group and its descendants; writing 0 resets it.
             *
             * File `cpuacct.usage`: rw, every group. Unit: nsec. Since Linux 2.6.24. Codec: u64, writes u64.
             * @public
             */
            get usage(): ReadWriteFile<bigint>;
            /**
             * CPU time the group spent in user mode.
             *
             * File `cpuacct.usage_user`: ro, every group. Unit: nsec. Codec: u64.
             * @public
             */
            get usageUser(): ReadOnlyFile<bigint>;
            /**
             * CPU time the group spent in kernel mode.
             *
             * File `cpuacct.usage_sys`: ro, every group. Unit: nsec. Codec: u64.
             * @public
             */
            get usageSys(): ReadOnlyFile<bigint>;
            /**
             * CPU time used by the group on each possible CPU, space separated in CPU order.
             *
             * File `cpuacct.usage_percpu`: ro, every group. Unit: nsec. Codec: u64List.
             * @public
             */
            get usagePercpu(): ReadOnlyFile<bigint[]>;
            /**
             * User-mode CPU time of the group on each possible CPU.
             *
             * File `cpuacct.usage_percpu_user`: ro, every group. Unit: nsec. Codec: u64List.
             * @public
             */
            get usagePercpuUser(): ReadOnlyFile<bigint[]>;
            /**
             * Kernel-mode CPU time of the group on each possible CPU.
             *
             * File `cpuacct.usage_percpu_sys`: ro, every group. Unit: nsec. Codec: u64List.
             * @public
             */
            get usagePercpuSys(): ReadOnlyFile<bigint[]>;
            /**
             * Table with one row per CPU giving the group's user and system time (header "cpu user system").
             *
             * File `cpuacct.usage_all`: ro, every group. Unit: nsec. Codec: table.
             * @public
             */
            get usageAll(): ReadOnlyFile<Array<Readonly<Record<string, bigint>>>>;
            /**
             * User-mode and kernel-mode time of the group's tasks, in USER_HZ ticks.
             *
             * File `cpuacct.stat`: ro, every group. Unit: USER_HZ. Codec: flatKeyed.
             * @public
             */
            get stat(): ReadOnlyFile<KeyedValues<"user" | "system", bigint>>;
        }

        /** `cpu.max` as read. @public */
        export declare interface CpuMax {
            /** Microseconds the group may run per period, or "max" for no limit. */
            readonly quota: bigint | "max";
            /** Period length in microseconds. */
            readonly period: bigint;
        }

        /** `cpu.max` as written: without a period the kernel keeps the current one. @public */
        export declare interface CpuMaxWrite {
            readonly quota: bigint | "max";
            readonly period?: bigint;
        }

        /**
         * Cpusets - confine the group's tasks to a set of CPUs and memory nodes, with exclusivity, spreading and load-balancing flags.
         *
         * Control files of the cgroup v1 `cpuset` controller, bound to one cgroup directory. Spec: `spec/v1/cpuset.yaml`.
         * @public
         */
        export declare class CpusetV1 extends ControllerAccessor {
            static readonly version = "v1";
            static readonly controller = "cpuset";
            /**
             * CPUs the group's tasks may run on (list such as 0-3,5); must be a subset of the parent's and set before tasks can join.
             *
             * File `cpuset.cpus`: rw, every group. Codec: rangeList.
             * @public
             */
            get cpus(): ReadWriteFile<number[], readonly number[] | string>;
            /**
             * Memory nodes the group's tasks may allocate from; must be a subset of the parent's and set before tasks can join.
             *
             * File `cpuset.mems`: rw, every group. Codec: rangeList.
             * @public
             */
            get mems(): ReadWriteFile<number[], readonly number[] | string>;
            /**
             * CPUs the group actually uses now, after hotplug changes (a copy of cpuset.cpus unless CPUs went offline).
             *
             * File `cpuset.effective_cpus`: ro, every group. Codec: rangeList.
             * @public
             */
            get effectiveCpus(): ReadOnlyFile<number[]>;
            /**
             * Memory nodes the group actually uses now, after hotplug changes.
             *
             * File `cpuset.effective_mems`: ro, every group. Codec: rangeList.
             * @public
             */
            get effectiveMems(): ReadOnlyFile<number[]>;
            /**
             * When 1, the group's CPUs may not overlap any sibling's (requires the parent to be exclusive too).
             *
             * File `cpuset.cpu_exclusive`: rw, every group. Codec: bool.
             * @public
             */
            get cpuExclusive(): ReadWriteFile<boolean>;
            /**
             * When 1, the group's memory nodes may not overlap any sibling's; also makes the group hardwalled.
             *
             * File `cpuset.mem_exclusive`: rw, every group. Codec: bool.
             * @public
             */
            get memExclusive(): ReadWriteFile<boolean>;
            /**
             * When 1, kernel allocations on behalf of the group's tasks are confined to its nodes too (hardwall) without exclusivity.
             *
             * File `cpuset.mem_hardwall`: rw, every group. Codec: bool.
             * @public
             */
            get memHardwall(): ReadWriteFile<boolean>;
            /**
             * When 1, a task's pages move to the group's nodes when it joins or when cpuset.mems changes.
             *
             * File `cpuset.memory_migrate`: rw, every group. Codec: bool.
             * @public
             */
            get memoryMigrate(): ReadWriteFile<boolean>;
            /**
             * Running average of direct-reclaim attempts by the group's tasks, in reclaims per second times 1000 (needs memory_pressure_enabled).
             *
             * File `cpuset.memory_pressure`: ro, every group. Codec: u64.
             * @public
             */
            get memoryPressure(): ReadOnlyFile<bigint>;
            /**
             * When 1, the kernel computes cpuset.memory_pressure for every cpuset.
             *
             * File `cpuset.memory_pressure_enabled`: rw, root group only. Codec: bool.
             * @public
             */
            get memoryPressureEnabled(): ReadWriteFile<boolean>;
            /**
             * When 1, page-cache pages of the group's tasks are spread evenly over its nodes instead of the faulting node.
             *
             * File `cpuset.memory_spread_page`: rw, every group. Codec: bool.
             * @public
             */
            get memorySpreadPage(): ReadWriteFile<boolean>;
            /**
             * When 1, slab caches for file inodes and dentries are spread over the group's nodes (only the removed SLAB allocator honoured it).
             *
             * File `cpuset.memory_spread_slab`: rw, every group. Codec: bool.
             * @public
             */
            get memorySpreadSlab(): ReadWriteFile<boolean>;
            /**
             * When 1 (default), the scheduler load-balances across all the group's CPUs; 0 lets sched domains be partitioned.
             *
             * File `cpuset.sched_load_balance`: rw, every group. Codec: bool.
             * @public
             */
            get schedLoadBalance(): ReadWriteFile<boolean>;
            /**
             * How far the scheduler searches for idle CPUs on wakeup/newidle balancing (-1 system default, 0 none, up to the topology depth).
             *
             * File `cpuset.sched_relax_domain_level`: rw, every group. Codec: int.
             * @public
             */
            get schedRelaxDomainLevel(): ReadWriteFile<number>;
        }

        /**
         * Confines a group's tasks to sets of CPUs and memory nodes, and carves exclusive CPU partitions.
         *
         * Control files of the cgroup v2 `cpuset` controller, bound to one cgroup directory. Spec: `spec/v2/cpuset.yaml`.
         * @public
         */
        export declare class CpusetV2 extends ControllerAccessor {
            static readonly version = "v2";
            static readonly controller = "cpuset";
            /**
             * CPUs requested for the group, subject to the parent's; empty means inherit from the nearest ancestor that sets them.
             *
             * File `cpuset.cpus`: rw, non-root groups. Since Linux 5.0. Codec: rangeList.
             * @public
             */
            get cpus(): ReadWriteFile<number[], readonly number[] | string>;
            /**
             * Online CPUs the parent actually grants the group; follows hotplug.
             *
             * File `cpuset.cpus.effective`: ro, every group. Since Linux 5.0. Codec: rangeList.
             * @public
             */
            get cpusEffective(): ReadOnlyFile<number[]>;
            /**
             * Memory nodes requested for the group; setting it migrates the tasks' memory onto those nodes.
             *
             * File `cpuset.mems`: rw, non-root groups. Since Linux 5.0. Codec: rangeList.
             * @public
             */
            get mems(): ReadWriteFile<number[], readonly number[] | string>;
            /**
             * Online memory nodes the parent actually grants the group; follows hotplug.
             *
             * File `cpuset.mems.effective`: ro, every group. Since Linux 5.0. Codec: rangeList.
             * @public
             */
            get memsEffective(): ReadOnlyFile<number[]>;
            /**
             * CPUs the group may take exclusively when it becomes a partition root; must not overlap siblings' exclusive CPUs.
             *
             * File `cpuset.cpus.exclusive`: rw, non-root groups. Since Linux 6.7. Codec: rangeList.
             * @public
             */
            get cpusExclusive(): ReadWriteFile<number[], readonly number[] | string>;
            /**
             * Exclusive CPUs the group can actually use for a partition, a subset of the parent's.
             *
             * File `cpuset.cpus.exclusive.effective`: ro, non-root groups. Since Linux 6.7. Codec: rangeList.
             * @public
             */
            get cpusExclusiveEffective(): ReadOnlyFile<number[]>;
            /**
             * CPUs now held by isolated partitions across the hierarchy; empty when there are none.
             *
             * File `cpuset.cpus.isolated`: ro, root group only. Since Linux 6.8. Codec: rangeList.
             * @public
             */
            get cpusIsolated(): ReadOnlyFile<number[]>;
            /**
             * Partition state, "member", "root" or "isolated", read back with " invalid (\<reason\>)" appended when the partition cannot be valid.
             *
             * File `cpuset.cpus.partition`: rw, non-root groups. Codec: string, writes enum.
             * @public
             */
            get cpusPartition(): ReadWriteFile<string, "member" | "root" | "isolated">;
        }

        /**
         * cpu.shares → cpu.weight, linear over the whole range: `1 + (shares - 2) * 9999 / 262142` (integer division).
         * Used by runc before 1.3.2 and older crun. Maps the default 1024 to 39, not 100: the reason the OCI curve replaced it.
         * Loss: about 26 shares per weight step.
         * @public
         */
        export declare function cpuSharesToWeightLegacyLinear(shares: bigint): number;

        /**
         * cpu.shares → cpu.weight as libcgroup's abstraction layer (cgxset/cgxget) does: `shares * 100 / 1024`, unclamped.
         * Below 11 shares this yields 0, which the kernel refuses; callers get that value as is. Loss as systemd's.
         * @public
         */
        export declare function cpuSharesToWeightLibcgroup(shares: bigint): number;

        /**
         * cpu.shares → cpu.weight on the quadratic-in-log curve that maps 2 → 1, 1024 → 100 and 262144 → 10000.
         * Used by runc ≥ 1.3.2 / opencontainers/cgroups and crun ≥ 1.23; 0 means unset and stays 0.
         * Loss: many shares values share a weight at the low end (2..16 → 1..2); weight → shares is not defined by them.
         * @public
         */
        export declare function cpuSharesToWeightOci(shares: bigint): number;

        /**
         * cpu.shares → cpu.weight scaled by the defaults, `shares * 100 / 1024`, clamped to 1..10000.
         * systemd's CPUShares= → CPUWeight= mapping. Loss: about 10 shares per weight step; maps 1024 → 100.
         * @public
         */
        export declare function cpuSharesToWeightSystemd(shares: bigint): number;

        /** @public */
        export declare interface CpuUsage {
            readonly usageUsec: bigint;
            readonly userUsec?: bigint;
            readonly systemUsec?: bigint;
            readonly throttledPeriods?: bigint;
            readonly throttledUsec?: bigint;
        }

        /**
         * CPU scheduler group controls - CFS share weight, idle class, CFS bandwidth (quota per period) and real-time bandwidth.
         *
         * Control files of the cgroup v1 `cpu` controller, bound to one cgroup directory. Spec: `spec/v1/cpu.yaml`.
         * @public
         */
        export declare class CpuV1 extends ControllerAccessor {
            static readonly version = "v1";
            static readonly controller = "cpu";
            /**
             * Relative CFS weight of the group against its siblings (default 1024); the kernel clamps writes into 2..262144.
             *
             * File `cpu.shares`: rw, every group. Since Linux 2.6.24. Requires CONFIG_FAIR_GROUP_SCHED. Codec: u64.
             * @public
             */
            get shares(): ReadWriteFile<bigint>;
            /**
             * When 1, the group's tasks are scheduled as SCHED_IDLE against its siblings (minimal share); 0 restores normal weighting.
             *
             * File `cpu.idle`: rw, every group. Since Linux 5.15. Requires CONFIG_FAIR_GROUP_SCHED. Codec: bool.
             * @public
             */
            get idle(): ReadWriteFile<boolean>;
            /**
             * CFS run time the group may use in each period; -1 (any negative write) means no limit, otherwise at least 1000.
             *
             * File `cpu.cfs_quota_us`: rw, every group. Unit: usec. Since Linux 3.2. Requires CONFIG_CFS_BANDWIDTH. Codec: s64.
             * @public
             */
            get cfsQuotaUs(): ReadWriteFile<bigint>;
            /**
             * Length of the CFS bandwidth enforcement period (1 ms to 1 s, default 100 ms).
             *
             * File `cpu.cfs_period_us`: rw, every group. Unit: usec. Since Linux 3.2. Requires CONFIG_CFS_BANDWIDTH. Codec: u64.
             * @public
             */
            get cfsPeriodUs(): ReadWriteFile<bigint>;
            /**
             * Unused quota the group may carry over and burst into in later periods (at most the quota; default 0).
             *
             * File `cpu.cfs_burst_us`: rw, every group. Unit: usec. Since Linux 5.14. Requires CONFIG_CFS_BANDWIDTH. Codec: u64.
             * @public
             */
            get cfsBurstUs(): ReadWriteFile<bigint>;
            /**
             * CFS bandwidth statistics - elapsed periods, throttle count and throttled time (ns), bursts and burst time (ns); wait_sum with schedstats.
             *
             * File `cpu.stat`: ro, every group. Since Linux 3.2. Requires CONFIG_CFS_BANDWIDTH (wait_sum also needs schedstats enabled). Codec: flatKeyed.
             * @public
             */
            get stat(): ReadOnlyFile<KeyedValues<"nr_periods" | "nr_throttled" | "throttled_time" | "nr_bursts" | "burst_time" | "wait_sum", bigint>>;
            /**
             * Time (ns) this group's own run queues spent throttled, including throttling inherited from ancestors' limits.
             *
             * File `cpu.stat.local`: ro, every group. Requires CONFIG_CFS_BANDWIDTH. Codec: flatKeyed.
             * @public
             */
            get statLocal(): ReadOnlyFile<KeyedValues<"throttled_time", bigint>>;
            /**
             * Real-time (SCHED_FIFO/RR) run time the group may use in each rt period; -1 means no limit, 0 (child default) forbids RT tasks.
             *
             * File `cpu.rt_runtime_us`: rw, every group. Unit: usec. Since Linux 2.6.25. Requires CONFIG_RT_GROUP_SCHED (and not disabled with rt_group_sched=0). Codec: s64.
             * @public
             */
            get rtRuntimeUs(): ReadWriteFile<bigint>;
            /**
             * Length of the real-time bandwidth period for the group (default 1 s).
             *
             * File `cpu.rt_period_us`: rw, every group. Unit: usec. Since Linux 2.6.25. Requires CONFIG_RT_GROUP_SCHED (and not disabled with rt_group_sched=0). Codec: u64.
             * @public
             */
            get rtPeriodUs(): ReadWriteFile<bigint>;
            /**
             * Minimum utilization clamp (protection) requested for the group's tasks, as a percentage with two decimals.
             *
             * File `cpu.uclamp.min`: rw, non-root groups. Unit: percent. Since Linux 5.4. Requires CONFIG_UCLAMP_TASK_GROUP. Codec: percentOrMax.
             * @public
             */
            get uclampMin(): ReadWriteFile<number | "max">;
            /**
             * Maximum utilization clamp (limit) for the group's tasks, as a percentage with two decimals or max.
             *
             * File `cpu.uclamp.max`: rw, non-root groups. Unit: percent. Since Linux 5.4. Requires CONFIG_UCLAMP_TASK_GROUP. Codec: percentOrMax.
             * @public
             */
            get uclampMax(): ReadWriteFile<number | "max">;
        }

        /**
         * Distributes CPU time by weight and caps it by bandwidth, with optional utilization clamping.
         *
         * Control files of the cgroup v2 `cpu` controller, bound to one cgroup directory. Spec: `spec/v2/cpu.yaml`.
         * @public
         */
        export declare class CpuV2 extends ControllerAccessor {
            static readonly version = "v2";
            static readonly controller = "cpu";
            /**
             * CPU time used by the subtree (always), plus bandwidth throttling counts of this group's own limit when the controller is enabled.
             *
             * File `cpu.stat`: ro, every group. Unit: microseconds. Since Linux 4.15. Present without the controller enabled. Codec: flatKeyed.
             * @public
             */
            get stat(): ReadOnlyFile<KeyedValues<"usage_usec" | "user_usec" | "system_usec" | "nice_usec" | "nr_periods" | "nr_throttled" | "throttled_usec" | "nr_bursts" | "burst_usec", bigint>>;
            /**
             * Time this group's own runqueues spent throttled, including throttling inherited from ancestors; empty while the controller is off.
             *
             * File `cpu.stat.local`: ro, every group. Unit: microseconds. Since Linux 6.8. Present without the controller enabled. Codec: flatKeyed.
             * @public
             */
            get statLocal(): ReadOnlyFile<KeyedValues<"throttled_usec", bigint>>;
            /**
             * Pressure stall information for CPU (some and full lines); write a trigger to be notified of stalls.
             *
             * File `cpu.pressure`: rw, every group. Since Linux 4.20. Present without the controller enabled. Requires CONFIG_PSI. Codec: psi.
             * @public
             */
            get pressure(): ReadWriteFile<Pressure, PressureTrigger>;
            /**
             * Proportional share of CPU against siblings, 1 to 10000, default 100; while cpu.idle is 1 it reads a token value (0 per the docs, 1 on 6.12).
             *
             * File `cpu.weight`: rw, non-root groups. Since Linux 4.15. Requires CONFIG_FAIR_GROUP_SCHED or CONFIG_EXT_GROUP_SCHED. Codec: int.
             * @public
             */
            get weight(): ReadWriteFile<number>;
            /**
             * The same weight expressed as a nice value, -20 to 19, default 0; a read gives the nearest nice value.
             *
             * File `cpu.weight.nice`: rw, non-root groups. Since Linux 4.15. Requires CONFIG_FAIR_GROUP_SCHED or CONFIG_EXT_GROUP_SCHED. Codec: int.
             * @public
             */
            get weightNice(): ReadWriteFile<number>;
            /**
             * Bandwidth cap as "$MAX $PERIOD" (default "max 100000"); writing one number changes only $MAX.
             *
             * File `cpu.max`: rw, non-root groups. Unit: microseconds. Since Linux 4.15. Requires CONFIG_CFS_BANDWIDTH. Codec: cpuMax.
             * @public
             */
            get max(): ReadWriteFile<CpuMax, CpuMaxWrite>;
            /**
             * Runtime a group may borrow beyond $MAX from earlier under-used periods, 0 to $MAX, default 0.
             *
             * File `cpu.max.burst`: rw, non-root groups. Unit: microseconds. Since Linux 5.14. Requires CONFIG_CFS_BANDWIDTH. Codec: u64.
             * @public
             */
            get maxBurst(): ReadWriteFile<bigint>;
            /**
             * Minimum utilization requested for the group's tasks, as a percentage with two decimals, default 0; capped by cpu.uclamp.max.
             *
             * File `cpu.uclamp.min`: rw, non-root groups. Unit: percent. Since Linux 5.4. Requires CONFIG_UCLAMP_TASK_GROUP. Codec: percentOrMax.
             * @public
             */
            get uclampMin(): ReadWriteFile<number | "max">;
            /**
             * Maximum utilization allowed for the group's tasks, as a percentage with two decimals, default "max".
             *
             * File `cpu.uclamp.max`: rw, non-root groups. Unit: percent. Since Linux 5.4. Requires CONFIG_UCLAMP_TASK_GROUP. Codec: percentOrMax.
             * @public
             */
            get uclampMax(): ReadWriteFile<number | "max">;
            /**
             * Writing 1 makes the whole group SCHED_IDLE, lowest priority against its siblings; default 0.
             *
             * File `cpu.idle`: rw, non-root groups. Since Linux 5.15. Requires CONFIG_FAIR_GROUP_SCHED or CONFIG_EXT_GROUP_SCHED. Codec: bool.
             * @public
             */
            get idle(): ReadWriteFile<boolean>;
        }

        /**
         * cpu.weight → cpu.shares, the inverse of the default-scaling mappings (`weight * 1024 / 100`), as systemd and libcgroup
         * do for v1 hosts. 100 → 1024 exactly; other values round down.
         * @public
         */
        export declare function cpuWeightToShares(weight: number): bigint;

        /** Decode the wire format back into instructions. @beta */
        export declare function decodeInsns(buf: Uint8Array): BpfInsn[];

        /** `devices.allow c 1:3 rwm`: a write as a person reads it. @public */
        export declare function describeV1Write(write: V1Write): string;

        /** BPF_PROG_DETACH of one device program from a cgroup directory fd. @internal */
        declare function detachDeviceProgram(cgroupFd: number, progFd: number, target?: string): void;

        /**
         * Largest major or minor number a rule can name. The kernel parses the number with
         * `kstrtou32` (so up to 2^32-1), but stores `*` as ~0 = 4294967295: a rule naming that
         * number silently means `*`, so we refuse it.
         * @public
         */
        export declare const DEVICE_NUMBER_MAX = 4294967294;

        /** Every preset name. @public */
        export declare const DEVICE_PRESET_NAMES: readonly DevicePresetName[];

        /** Name given to every device program this package loads (prog_name, at most 15 bytes). @public */
        export declare const DEVICE_PROGRAM_NAME = "cgroupkit_dev";

        /**
         * Applying a device policy failed, through v1 `devices.*` or a cgroup2 eBPF program. `deniedAll` says
         * whether the group was then made deny-all (fail closed); when false the message says what access is left.
         * @public
         */
        export declare class DeviceAclError extends CgroupError {
            /** The group directory. */
            readonly dir: string;
            /** How the policy was being enforced. */
            readonly mechanism: "v1" | "ebpf";
            /** What failed: the write, the read-back check, or the read of the current state. */
            readonly failed: string;
            /** The write that failed, when a write failed. */
            readonly write: V1Write | undefined;
            /** True when the group was left deny-all after the failure. */
            readonly deniedAll: boolean;
            constructor(dir: string, failed: string, deniedAll: boolean, options?: {
                mechanism?: "v1" | "ebpf";
                write?: V1Write;
                cause?: unknown;
                closeError?: unknown;
            });
        }

        /** What {@link applyDevicePolicy} did, by mechanism. @public */
        export declare type DeviceApplyResult = {
            readonly mechanism: "v1";
            readonly dir: string;
            readonly v1: V1ApplyResult;
        } | {
            readonly mechanism: "ebpf";
            readonly dir: string;
            readonly ebpf: V2ApplyResult;
        };

        /** An exception as the evaluator holds it: access as bits (r=1, w=2, m=4). @internal */
        export declare interface DeviceException {
            readonly type: "b" | "c";
            readonly major: number | "*";
            readonly minor: number | "*";
            readonly bits: number;
        }

        /** `struct bpf_cgroup_dev_ctx` as numbers (u32 each). @beta */
        export declare interface DeviceFilterContext {
            /** `(access << 16) | type`, see {@link deviceFilterContext}. */
            readonly accessType: number;
            readonly major: number;
            readonly minor: number;
        }

        /**
         * The context the kernel passes for a request: `type` b or c, `access` a non-empty subset of
         * `rwm` (an `open(O_RDWR)` asks for `rw` at once; `mknod` asks for `m`).
         * @beta
         */
        export declare function deviceFilterContext(type: "b" | "c", access: string, major: number, minor: number): DeviceFilterContext;

        /** The part of a device policy the compiler reads (DevicePolicy satisfies it). @public */
        export declare interface DeviceFilterPolicy {
            /** true: every device is allowed except the exceptions (v1 "default allow"); false: the reverse. */
            readonly defaultAllow: boolean;
            readonly exceptions: readonly DeviceRule[];
        }

        /** Errors the interpreter raises for programs the verifier would refuse or that misbehave. @beta */
        export declare class DeviceFilterRuntimeError extends Error {
            readonly pc: number;
            constructor(pc: number, insn: BpfInsn | undefined, reason: string);
        }

        /**
         * A device cgroup policy in the kernel's v1 model: a default (`defaultAllow`) and an ordered list
         * of exceptions (in a default-deny policy they allow, in a default-allow policy they deny).
         * Immutable; every constructor validates its input and throws typed errors.
         * @public
         */
        export declare class DevicePolicy {
            /** True: every device is allowed except the exceptions. False: only the exceptions are allowed. */
            readonly defaultAllow: boolean;
            /** The exceptions, normalised (types `b`/`c`, canonical access), in the order the kernel holds them. */
            readonly exceptions: readonly DeviceRule[];
            /** @internal */
            readonly internalExceptions: readonly DeviceException[];
            private constructor();
            /** Every device, every access (`a *:* rwm`): the root group's state, and a new group's under it. */
            static allowAll(): DevicePolicy;
            /** No device at all (`devices.list` empty). */
            static denyAll(): DevicePolicy;
            /**
             * Apply allow/deny rules in order, as writes to `devices.allow`/`devices.deny` of a group whose
             * parent allows everything, starting from `options.start` (default: allow all, the state of a
             * new group under the root). `a` resets: allow-all or deny-all, exceptions cleared.
             * @throws InvalidValueError for a malformed rule; {@link DeviceRuleIgnoredError} for a rule the
             * kernel would accept but not carry out (it would leave some device in the rule's range with
             * less access than an allow rule grants, or more than a deny rule leaves).
             */
            static fromRules(rules: Iterable<DevicePolicyRule>, options?: {
                start?: DevicePolicy;
                file?: string;
            }): DevicePolicy;
            /**
             * A policy given as its state: the default and the exceptions (each a `b`/`c` rule, each
             * device range named once, as the kernel holds them).
             * @throws InvalidValueError for a malformed or repeated exception.
             */
            static fromState(defaultAllow: boolean, exceptions: Iterable<DeviceRule | string>, file?: string): DevicePolicy;
            /**
             * Parse what `devices.list` prints: `a *:* rwm` alone for a default-allow group, else one
             * exception per line (empty: deny-all). The kernel does not list a default-allow group's
             * exceptions, so such a group reads back as {@link DevicePolicy.allowAll}.
             * @throws ParseError naming the file and the line.
             */
            static fromDevicesList(text: string, file?: string): DevicePolicy;
            /**
             * The OCI runtime-spec `linux.resources.devices` list, applied in order over an allow-all start
             * (as runc does on cgroup v1). Unset `type` means `a`, unset `major`/`minor` mean `*`; `access`
             * is required (runc refuses an empty one). Strict: unknown keys, negative numbers and a type
             * `a` entry that names numbers or less than `rwm` (the kernel would widen it to everything)
             * are refused.
             * @throws InvalidValueError naming the entry; {@link DeviceRuleIgnoredError} as {@link DevicePolicy.fromRules}.
             */
            static fromOciDevices(list: unknown, file?: string): DevicePolicy;
            /**
             * A policy from JSON (text or an already parsed value): either the state form
             * `{"default": "deny", "exceptions": ["c 1:3 rwm"]}` (what {@link DevicePolicy.toJSON} writes)
             * or an OCI `linux.resources.devices` array.
             * @throws InvalidValueError naming the file and what is wrong.
             */
            static fromJson(json: unknown, file?: string): DevicePolicy;
            /** {@link DevicePolicy.fromJson} on a file's contents. @throws CgroupIoError when the file cannot be read. */
            static fromJsonFile(path: string): DevicePolicy;
            /**
             * The kernel's permission check for a process in this group: may it access the device with
             * every letter of `access` (`r`, `w`: open; `m`: mknod; `""`: a check with neither, which a
             * default-deny group passes only when some exception names the device)?
             * Default deny: allowed iff one exception holds the device and every requested letter.
             * Default allow: denied iff some exception holding the device shares a requested letter.
             * `*` for major or minor asks about every number at once: true iff all of them are allowed.
             * @throws InvalidValueError for a bad type, number or access.
             */
            allows(type: "b" | "c", major: number | "*", minor: number | "*", access: string): boolean;
            /**
             * Whether some device in the range may be accessed with every letter of `access`.
             * @internal
             */
            allowsSome(type: "b" | "c", major: Num, minor: Num, bits: number): boolean;
            /** The state after one write, as the kernel computes it for a group with no parent and no children (so it never fails). */
            withWrite(write: V1Write): DevicePolicy;
            /** What the kernel's `devices.list` prints for this state. */
            toDevicesList(): string;
            /** Rules that rebuild this policy from any state of a group whose parent allows everything. */
            toRules(): DevicePolicyRule[];
            /** The same rules as an OCI `linux.resources.devices` list. */
            toOciDevices(): OciDeviceRule[];
            toJSON(): DevicePolicyJson;
            /**
             * Same default and the same exceptions (each with the same access), in any order: the order of
             * exceptions never changes a decision.
             */
            equals(other: DevicePolicy): boolean;
            /** @internal */
            static fromInternal(defaultAllow: boolean, exceptions: readonly DeviceException[]): DevicePolicy;
        }

        /** The JSON form of a policy (what {@link DevicePolicy.toJSON} writes). @public */
        export declare interface DevicePolicyJson {
            readonly default: "allow" | "deny";
            readonly exceptions: readonly string[];
        }

        /** One rule of a policy: allow (`devices.allow`) or deny (`devices.deny`). @public */
        export declare interface DevicePolicyRule {
            readonly allow: boolean;
            readonly rule: DeviceRule | string;
        }

        /**
         * A built-in policy by name: default deny with the preset's exceptions.
         * @throws InvalidValueError for an unknown name.
         * @public
         */
        export declare function devicePreset(name: DevicePresetName): DevicePolicy;

        /** Names of the built-in device policies. @public */
        export declare type DevicePresetName = "libvirt-lxc" | "container";

        /**
         * One device cgroup rule: type, major and minor number (or `*` for any), and access
         * (a non-empty subset of `rwm` in the canonical order r, w, m).
         * A type `a` rule always reads `a *:* rwm`: the kernel ignores anything after the `a`.
         * @public
         */
        export declare interface DeviceRule {
            readonly type: DeviceType;
            readonly major: number | "*";
            readonly minor: number | "*";
            readonly access: string;
        }

        /**
         * A rule the kernel would accept and then silently not carry out, such as allowing
         * `c 1:3 r` in a default-allow group whose exception is `c *:* rwm` (the kernel only removes
         * an exception that names exactly the same devices), or denying `c 1:3 m` while `c *:* m`
         * still allows it. Refused so that a policy never means less than it says.
         * @public
         */
        export declare class DeviceRuleIgnoredError extends InvalidValueError {
            /** The write that would have been ignored. */
            readonly write: V1Write;
            /** Its position in the rule list. */
            readonly index: number;
            constructor(write: V1Write, index: number, reason: string);
        }

        /**
         * Device access controller - an allow list of device rules (type, major:minor, rwm) enforced on open and mknod.
         *
         * Control files of the cgroup v1 `devices` controller, bound to one cgroup directory. Spec: `spec/v1/devices.yaml`.
         * @public
         */
        export declare class DevicesV1 extends ControllerAccessor {
            static readonly version = "v1";
            static readonly controller = "devices";
            /**
             * Writing a rule ("c 1:3 mr", "a") grants that access, within what the parent allows.
             *
             * File `devices.allow`: wo, every group. Since Linux 2.6.26. Codec: deviceRules.
             * @public
             */
            get allow(): WriteOnlyFile<DeviceRule | string>;
            /**
             * Writing a rule removes that access from the group and all its descendants; "a" denies everything.
             *
             * File `devices.deny`: wo, every group. Since Linux 2.6.26. Codec: deviceRules.
             * @public
             */
            get deny(): WriteOnlyFile<DeviceRule | string>;
            /**
             * The group's current allow list, one rule per line ("a *:* rwm" when everything is allowed).
             *
             * File `devices.list`: ro, every group. Since Linux 2.6.26. Codec: deviceRules.
             * @public
             */
            get list(): ReadOnlyFile<DeviceRule[]>;
        }

        /** `a` (all devices), `b` (block) or `c` (char). @public */
        export declare type DeviceType = "a" | "b" | "c";

        /**
         * One instruction in the verifier log's syntax (`if r2 & 0x50000 goto pc+3`), with `w` registers for
         * 32-bit operations. `index` turns relative jumps into absolute targets.
         * @beta
         */
        export declare function disassemble(insn: BpfInsn, index?: number): string;

        /**
         * Build the layout from the text of `/proc/self/mountinfo`, `/proc/self/cgroup` and the
         * cgroup2 root's `cgroup.controllers`. Pure: reads nothing.
         * @public
         */
        export declare function discoverHierarchies(sources: LayoutSources): CgroupLayout;

        /**
         * Limits, protects and accounts device memory (for example GPU VRAM) per region, with the memory controller's semantics.
         *
         * Control files of the cgroup v2 `dmem` controller, bound to one cgroup directory. Spec: `spec/v2/dmem.yaml`.
         * @public
         */
        export declare class DmemV2 extends ControllerAccessor {
            static readonly version = "v2";
            static readonly controller = "dmem";
            /**
             * Per-region hard limit on device memory of the group and its descendants; write "\<region\> N" or "\<region\> max".
             *
             * File `dmem.max`: rw, non-root groups. Unit: bytes. Since Linux 6.14. Requires CONFIG_CGROUP_DMEM. Codec: flatKeyed.
             * @public
             */
            get max(): ReadWriteFile<KeyedValues<string, bigint | "max">, Readonly<Record<string, bigint | "max">>>;
            /**
             * Per-region hard protection against eviction, as memory.min.
             *
             * File `dmem.min`: rw, non-root groups. Unit: bytes. Since Linux 6.14. Requires CONFIG_CGROUP_DMEM. Codec: flatKeyed.
             * @public
             */
            get min(): ReadWriteFile<KeyedValues<string, bigint | "max">, Readonly<Record<string, bigint | "max">>>;
            /**
             * Per-region best-effort protection against eviction, as memory.low.
             *
             * File `dmem.low`: rw, non-root groups. Unit: bytes. Since Linux 6.14. Requires CONFIG_CGROUP_DMEM. Codec: flatKeyed.
             * @public
             */
            get low(): ReadWriteFile<KeyedValues<string, bigint | "max">, Readonly<Record<string, bigint | "max">>>;
            /**
             * Per-region device memory in use by the group and its descendants.
             *
             * File `dmem.current`: ro, non-root groups. Unit: bytes. Since Linux 6.14. Requires CONFIG_CGROUP_DMEM. Codec: flatKeyed.
             * @public
             */
            get current(): ReadOnlyFile<KeyedValues<string, bigint>>;
            /**
             * Per-region highest device memory usage of the group and its descendants since creation.
             *
             * File `dmem.peak`: ro, non-root groups. Unit: bytes. Requires CONFIG_CGROUP_DMEM. Codec: flatKeyed.
             * @public
             */
            get peak(): ReadOnlyFile<KeyedValues<string, bigint>>;
            /**
             * Size of each device memory region (some of it may be reserved by the kernel).
             *
             * File `dmem.capacity`: ro, root group only. Unit: bytes. Since Linux 6.14. Requires CONFIG_CGROUP_DMEM. Codec: flatKeyed.
             * @public
             */
            get capacity(): ReadOnlyFile<KeyedValues<string, bigint>>;
        }

        /** Encode instructions into the little-endian wire format `BPF_PROG_LOAD` takes. @beta */
        export declare function encodeInsns(insns: readonly BpfInsn[]): Buffer;

        /**
         * Wraps another {@link CgroupFs}: every call is logged (op, path, write data), and faults
         * registered with {@link FaultInjectingFs.inject} make chosen calls throw
         * {@link CgroupIoError} with the given errno instead of reaching the wrapped fs.
         * An injected `ENOENT` on `stat` returns `undefined`, as the real fs does for a missing path.
         * @public
         */
        export declare class FaultInjectingFs implements CgroupFs {
            private readonly inner;
            private readonly faults;
            private readonly entries;
            constructor(inner: CgroupFs);
            /** Register a fault. Returns `this` for chaining. */
            inject(spec: FaultSpec): this;
            /** Make the next `op` on a matching path fail with `errno`. */
            failNext(op: FsOp, path: string | RegExp, errno: string): this;
            /** Drop every fault not yet spent. */
            clearFaults(): void;
            /** Faults registered but not yet spent. */
            get pendingFaults(): number;
            /** Every call so far, in order. */
            get log(): readonly FsLogEntry[];
            /** Calls of one kind, optionally only those on matching paths. */
            calls(op: FsOp, path?: string | RegExp): FsLogEntry[];
            /** Writes that reached the wrapped fs (not failed by a fault). */
            get writes(): FsLogEntry[];
            clearLog(): void;
            /** Log the call; throw the injected error if a fault hits it. */
            private enter;
            readFile(path: string): Promise<string>;
            readFileSync(path: string): string;
            writeFile(path: string, data: string): Promise<void>;
            writeFileSync(path: string, data: string): void;
            mkdir(path: string): Promise<void>;
            rmdir(path: string): Promise<void>;
            readdir(path: string): Promise<CgroupDirEntry[]>;
            stat(path: string): Promise<CgroupStat | undefined>;
            chown(path: string, uid: number, gid: number): Promise<void>;
        }

        /** Which calls a fault hits and how. @public */
        export declare interface FaultSpec {
            readonly op: FsOp;
            /**
             * A string matches a path equal to it or ending in `/` + it (`"devices.allow"` matches that
             * file in every group); a RegExp is tested against the whole path.
             */
            readonly path: string | RegExp;
            /** Errno name the call fails with, e.g. `"EBUSY"`. */
            readonly errno: string;
            /** Fail the nth matching call from now (1 = the next one). Default 1. */
            readonly nth?: number;
            /** How many matching calls fail from the nth on. Default 1; `Infinity` for every one. */
            readonly times?: number;
        }

        /** Access as the spec and the file's mode bits say. @public */
        export declare type FileAccess = "ro" | "rw" | "wo";

        /** Spec metadata of one control file. @public */
        export declare interface FileMeta {
            /** File name, or its template (`hugetlb.<size>.max`). */
            readonly file: string;
            readonly version: "v1" | "v2";
            readonly controller: string;
            readonly access: FileAccess;
            readonly where: FileWhere;
            readonly codec: string;
            readonly unit?: string;
            /** Kernel version the file appeared in, where known. */
            readonly kernel?: string;
        }

        /** Where a control file exists. @public */
        export declare type FileWhere = "root" | "non-root" | "all";

        /**
         * Fill the one `<param>` of a templated file name (`hugetlb.<size>.max`).
         * The value must match the spec's pattern and can never leave the directory.
         * @public
         */
        export declare function fillTemplate(template: string, value: string, pattern?: RegExp): string;

        /**
         * Format a rule as the kernel accepts it in `devices.allow`/`devices.deny` and prints it in
         * `devices.list` (`c 1:3 rwm`; type `a` as `a *:* rwm`). Validates the object first:
         * type, numbers in 0..4294967294 or `*`, access a non-empty subset of `rwm` without repeats
         * (any order; written canonically).
         * @throws InvalidValueError naming the file, the rule and why it was refused.
         * @public
         */
        export declare function formatDeviceRule(rule: DeviceRule, file?: string): string;

        /**
         * Freezer - stop (freeze) and resume (thaw) all tasks of a group and its descendants together.
         *
         * Control files of the cgroup v1 `freezer` controller, bound to one cgroup directory. Spec: `spec/v1/freezer.yaml`.
         * @public
         */
        export declare class FreezerV1 extends ControllerAccessor {
            static readonly version = "v1";
            static readonly controller = "freezer";
            /**
             * Effective state (THAWED, FREEZING or FROZEN, combining own and ancestors'); writing FROZEN or THAWED sets the group's own state.
             *
             * File `freezer.state`: rw, non-root groups. Since Linux 2.6.28. Codec: enum, writes enum.
             * @public
             */
            get state(): ReadWriteFile<"THAWED" | "FREEZING" | "FROZEN", "FROZEN" | "THAWED">;
            /**
             * 1 when the group itself was asked to freeze (last write to freezer.state was FROZEN).
             *
             * File `freezer.self_freezing`: ro, non-root groups. Codec: bool.
             * @public
             */
            get selfFreezing(): ReadOnlyFile<boolean>;
            /**
             * 1 when some ancestor of the group is frozen or freezing.
             *
             * File `freezer.parent_freezing`: ro, non-root groups. Codec: bool.
             * @public
             */
            get parentFreezing(): ReadOnlyFile<boolean>;
        }

        /** One call made through a {@link FaultInjectingFs}. @public */
        export declare interface FsLogEntry {
            readonly op: FsOp;
            readonly path: string;
            /** The text of a write. */
            readonly data?: string;
            /** The errno name when the call was made to fail by a fault; absent when it went through to the wrapped fs. */
            readonly injected?: string;
        }

        /** The kinds of operation a {@link CgroupFs} performs; sync and async reads/writes share a kind. @public */
        export declare type FsOp = "read" | "write" | "mkdir" | "rmdir" | "readdir" | "stat" | "chown";

        /**
         * The hierarchy that holds a controller: a v1 hierarchy it is bound to, else v2 when usable there.
         * `name=X` finds a named v1 hierarchy.
         * @public
         */
        export declare function hierarchyFor(layout: CgroupLayout, controller: string): CgroupHierarchy | undefined;

        /**
         * HugeTLB controller - per huge page size limits and accounting of HugeTLB faults and reservations.
         *
         * Control files of the cgroup v1 `hugetlb` controller, bound to one cgroup directory. Spec: `spec/v1/hugetlb.yaml`.
         * @public
         */
        export declare class HugetlbV1 extends ControllerAccessor {
            static readonly version = "v1";
            static readonly controller = "hugetlb";
            /**
             * Limit on HugeTLB pages of this size the group may fault in (over it the task gets SIGBUS); max (written as -1) removes it.
             *
             * File `hugetlb.<size>.limit_in_bytes`: rw, every group. Unit: bytes. Since Linux 3.6. Codec: v1Bytes.
             * @param size - huge page size as the kernel names it, e.g. 2MB or 1GB
             * @public
             */
            limitInBytes(size: string): ReadWriteFile<bigint | "max">;
            /**
             * HugeTLB memory of this size currently faulted in by the group.
             *
             * File `hugetlb.<size>.usage_in_bytes`: ro, every group. Unit: bytes. Since Linux 3.6. Codec: u64.
             * @param size - huge page size as the kernel names it, e.g. 2MB or 1GB
             * @public
             */
            usageInBytes(size: string): ReadOnlyFile<bigint>;
            /**
             * Highest HugeTLB usage of this size recorded; writing 0 resets the watermark.
             *
             * File `hugetlb.<size>.max_usage_in_bytes`: rw, every group. Unit: bytes. Since Linux 3.6. Codec: u64, writes u64.
             * @param size - huge page size as the kernel names it, e.g. 2MB or 1GB
             * @public
             */
            maxUsageInBytes(size: string): ReadWriteFile<bigint>;
            /**
             * Number of HugeTLB faults of this size refused by the usage limit; writing 0 resets it.
             *
             * File `hugetlb.<size>.failcnt`: rw, every group. Unit: count. Since Linux 3.6. Codec: u64, writes u64.
             * @param size - huge page size as the kernel names it, e.g. 2MB or 1GB
             * @public
             */
            failcnt(size: string): ReadWriteFile<bigint>;
            /**
             * Limit on HugeTLB reservations (and no-reserve faults) of this size, enforced at mmap/shmget time; max (written as -1) removes it.
             *
             * File `hugetlb.<size>.rsvd.limit_in_bytes`: rw, every group. Unit: bytes. Since Linux 5.7. Codec: v1Bytes.
             * @param size - huge page size as the kernel names it, e.g. 2MB or 1GB
             * @public
             */
            rsvdLimitInBytes(size: string): ReadWriteFile<bigint | "max">;
            /**
             * HugeTLB reservations and no-reserve faults of this size currently charged to the group.
             *
             * File `hugetlb.<size>.rsvd.usage_in_bytes`: ro, every group. Unit: bytes. Since Linux 5.7. Codec: u64.
             * @param size - huge page size as the kernel names it, e.g. 2MB or 1GB
             * @public
             */
            rsvdUsageInBytes(size: string): ReadOnlyFile<bigint>;
            /**
             * Highest reservation usage of this size recorded; writing 0 resets the watermark.
             *
             * File `hugetlb.<size>.rsvd.max_usage_in_bytes`: rw, every group. Unit: bytes. Since Linux 5.7. Codec: u64, writes u64.
             * @param size - huge page size as the kernel names it, e.g. 2MB or 1GB
             * @public
             */
            rsvdMaxUsageInBytes(size: string): ReadWriteFile<bigint>;
            /**
             * Number of reservations of this size refused by the reservation limit; writing 0 resets it.
             *
             * File `hugetlb.<size>.rsvd.failcnt`: rw, every group. Unit: count. Since Linux 5.7. Codec: u64, writes u64.
             * @param size - huge page size as the kernel names it, e.g. 2MB or 1GB
             * @public
             */
            rsvdFailcnt(size: string): ReadWriteFile<bigint>;
            /**
             * HugeTLB usage of this size per NUMA node (total= N0= ...), plus the hierarchical_total line over the subtree.
             *
             * File `hugetlb.<size>.numa_stat`: ro, every group. Unit: bytes. Since Linux 5.14. Codec: numaStat.
             * @param size - huge page size as the kernel names it, e.g. 2MB or 1GB
             * @public
             */
            numaStat(size: string): ReadOnlyFile<Readonly<Record<string, Readonly<Record<string, bigint>>>>>;
        }

        /**
         * Accounts and limits HugeTLB pages per huge page size, both faulted pages and reservations.
         *
         * Control files of the cgroup v2 `hugetlb` controller, bound to one cgroup directory. Spec: `spec/v2/hugetlb.yaml`.
         * @public
         */
        export declare class HugetlbV2 extends ControllerAccessor {
            static readonly version = "v2";
            static readonly controller = "hugetlb";
            /**
             * HugeTLB memory of this page size in use by the group and its descendants.
             *
             * File `hugetlb.<size>.current`: ro, non-root groups. Unit: bytes. Since Linux 5.6. Codec: u64.
             * @param size - Huge page size as the kernel names it, e.g. 2MB or 1GB
             * @public
             */
            current(size: string): ReadOnlyFile<bigint>;
            /**
             * Hard limit on HugeTLB faults of this page size; a fault past it fails with SIGBUS. Default "max".
             *
             * File `hugetlb.<size>.max`: rw, non-root groups. Unit: bytes. Since Linux 5.6. Codec: limit.
             * @param size - Huge page size as the kernel names it, e.g. 2MB or 1GB
             * @public
             */
            max(size: string): ReadWriteFile<bigint | "max">;
            /**
             * HugeTLB reservations of this page size, plus faults without a reservation, charged to the group.
             *
             * File `hugetlb.<size>.rsvd.current`: ro, non-root groups. Unit: bytes. Codec: u64.
             * @param size - Huge page size as the kernel names it, e.g. 2MB or 1GB
             * @public
             */
            rsvdCurrent(size: string): ReadOnlyFile<bigint>;
            /**
             * Limit on HugeTLB reservations of this page size; mmap or shmget fails up front instead of a later SIGBUS. Default "max".
             *
             * File `hugetlb.<size>.rsvd.max`: rw, non-root groups. Unit: bytes. Codec: limit.
             * @param size - Huge page size as the kernel names it, e.g. 2MB or 1GB
             * @public
             */
            rsvdMax(size: string): ReadWriteFile<bigint | "max">;
            /**
             * Hierarchical count of allocations of this page size refused by the HugeTLB limit.
             *
             * File `hugetlb.<size>.events`: ro, non-root groups. Since Linux 5.6. Codec: flatKeyed.
             * @param size - Huge page size as the kernel names it, e.g. 2MB or 1GB
             * @public
             */
            events(size: string): ReadOnlyFile<KeyedValues<"max", bigint>>;
            /**
             * The events counter of this page size for this group alone, not its descendants.
             *
             * File `hugetlb.<size>.events.local`: ro, non-root groups. Codec: flatKeyed.
             * @param size - Huge page size as the kernel names it, e.g. 2MB or 1GB
             * @public
             */
            eventsLocal(size: string): ReadOnlyFile<KeyedValues<"max", bigint>>;
            /**
             * In-use HugeTLB memory of this page size, total and per node, in one "total=N N0=N" line.
             *
             * File `hugetlb.<size>.numa_stat`: ro, non-root groups. Unit: bytes. Codec: numaStat.
             * @param size - Huge page size as the kernel names it, e.g. 2MB or 1GB
             * @public
             */
            numaStat(size: string): ReadOnlyFile<Readonly<Record<string, Readonly<Record<string, bigint>>>>>;
        }

        /** A group name or path that could escape its hierarchy or is not a valid cgroup name. @public */
        export declare class InvalidNameError extends CgroupError {
            readonly group: string;
            readonly reason: string;
            constructor(group: string, reason: string);
        }

        /** A value was refused before any syscall: out of range, malformed, not one line. @public */
        export declare class InvalidValueError extends CgroupError {
            readonly file: string | undefined;
            readonly value: unknown;
            readonly reason: string;
            constructor(file: string | undefined, value: unknown, reason: string);
        }

        /** @public */
        export declare interface IoUsage {
            readonly readBytes: bigint;
            readonly writeBytes: bigint;
            readonly readOps: bigint;
            readonly writeOps: bigint;
        }

        /**
         * Distributes block IO by weight (iocost, BFQ) and caps it by bandwidth and IOPS, with latency protection and IO priority policy.
         *
         * Control files of the cgroup v2 `io` controller, bound to one cgroup directory. Spec: `spec/v2/io.yaml`.
         * @public
         */
        export declare class IoV2 extends ControllerAccessor {
            static readonly version = "v2";
            static readonly controller = "io";
            /**
             * Per-device IO counts of the subtree (bytes and IOs read, written, discarded); debug stats may add iocost and io.latency keys.
             *
             * File `io.stat`: ro, every group. Since Linux 4.5. Codec: nestedKeyed.
             * @public
             */
            get stat(): ReadOnlyFile<Readonly<Record<string, KeyedValues<"rbytes" | "wbytes" | "rios" | "wios" | "dbytes" | "dios", bigint>>>>;
            /**
             * Per-device quality-of-service settings of the iocost controller (enable, auto/user control, latency percentiles and targets, rate range).
             *
             * File `io.cost.qos`: rw, root group only. Since Linux 5.4. Requires CONFIG_BLK_CGROUP_IOCOST. Codec: nestedKeyed.
             * @beta
             */
            get costQos(): ReadWriteFile<Readonly<Record<string, KeyedValues<"enable" | "ctrl" | "rpct" | "rlat" | "wpct" | "wlat" | "min" | "max", string>>>, Readonly<Record<string, Readonly<Record<string, string>>>>>;
            /**
             * Per-device cost model of the iocost controller (linear model throughput and IOPS coefficients, auto or user control).
             *
             * File `io.cost.model`: rw, root group only. Since Linux 5.4. Requires CONFIG_BLK_CGROUP_IOCOST. Codec: nestedKeyed.
             * @beta
             */
            get costModel(): ReadWriteFile<Readonly<Record<string, KeyedValues<"ctrl" | "model" | "rbps" | "rseqiops" | "rrandiops" | "wbps" | "wseqiops" | "wrandiops", string>>>, Readonly<Record<string, Readonly<Record<string, string>>>>>;
            /**
             * Proportional IO share under iocost, 1 to 10000; a "default" line plus per-device overrides ("MAJ:MIN default" clears one).
             *
             * File `io.weight`: rw, non-root groups. Since Linux 4.5. Requires CONFIG_BLK_CGROUP_IOCOST. Codec: deviceValues.
             * @public
             */
            get weight(): ReadWriteFile<Readonly<Record<string, bigint>>, {
                readonly device: string;
                readonly value: bigint;
            }>;
            /**
             * Proportional IO share on devices scheduled by BFQ, 1 to 1000, as a "default" line plus per-device overrides.
             *
             * File `io.bfq.weight`: rw, non-root groups. Requires CONFIG_BFQ_GROUP_IOSCHED with the bfq scheduler loaded. Codec: deviceValues.
             * @beta
             */
            get bfqWeight(): ReadWriteFile<Readonly<Record<string, bigint>>, {
                readonly device: string;
                readonly value: bigint;
            }>;
            /**
             * Per-device caps on read/write bytes per second and IOs per second; write any subset of keys, "max" removes one.
             *
             * File `io.max`: rw, non-root groups. Since Linux 4.5. Requires CONFIG_BLK_DEV_THROTTLING. Codec: nestedKeyed.
             * @public
             */
            get max(): ReadWriteFile<Readonly<Record<string, KeyedValues<"rbps" | "wbps" | "riops" | "wiops", bigint | "max">>>, Readonly<Record<string, Readonly<Record<string, bigint | "max">>>>>;
            /**
             * Per-device latency target; when the group misses it, peers with looser targets are throttled.
             *
             * File `io.latency`: rw, non-root groups. Unit: microseconds. Since Linux 4.19. Requires CONFIG_BLK_CGROUP_IOLATENCY. Codec: nestedKeyed.
             * @public
             */
            get latency(): ReadWriteFile<Readonly<Record<string, KeyedValues<"target", bigint | "max">>>, Readonly<Record<string, Readonly<Record<string, bigint | "max">>>>>;
            /**
             * IO priority class policy applied to the group's requests; none-to-rt is a deprecated alias of promote-to-rt.
             *
             * File `io.prio.class`: rw, non-root groups. Since Linux 5.14. Requires CONFIG_BLK_CGROUP_IOPRIO. Codec: enum.
             * @public
             */
            get prioClass(): ReadWriteFile<"no-change" | "promote-to-rt" | "restrict-to-be" | "idle" | "none-to-rt">;
            /**
             * Pressure stall information for IO (some and full lines); write a trigger to be notified of stalls.
             *
             * File `io.pressure`: rw, every group. Since Linux 4.20. Present without the controller enabled. Requires CONFIG_PSI. Codec: psi.
             * @public
             */
            get pressure(): ReadWriteFile<Pressure, PressureTrigger>;
        }

        /** v2 io.weight (1..10000) → v1 blkio.weight (10..1000), the inverse of {@link blkioWeightToIoWeight} rounded to nearest. @public */
        export declare function ioWeightToBlkioWeight(weight: number): number;

        /** Values of a keyed file: typed known keys, and every other key the kernel printed. @public */
        export declare type KeyedValues<K extends string, V> = Readonly<Partial<Record<K, V>>> & Readonly<Record<string, V>>;

        /** Inputs of {@link discoverHierarchies}: the text of the proc files. @public */
        export declare interface LayoutSources {
            readonly mountinfo: string;
            readonly procCgroup: string;
            /** `cgroup.controllers` of the cgroup2 mount root; without it no v2 controller counts as available. */
            readonly v2Controllers?: string;
        }

        /**
         * BPF_PROG_LOAD of a BPF_PROG_TYPE_CGROUP_DEVICE program. The license only matters for
         * GPL-only helpers, which device filters do not call; the package's own license is given.
         * The verifier log is captured at level 1, growing the buffer when the kernel says ENOSPC.
         * EAGAIN is retried.
         * @throws BpfError with the verifier log when the kernel refuses the program.
         * @internal
         */
        declare function loadDeviceProgram(bytecode: Buffer, name: string, license?: string): LoadedProgram;

        /** A loaded program: its fd (the caller closes it) and the verifier's report. @beta */
        export declare interface LoadedProgram {
            readonly fd: number;
            /** The verifier log at level 1. */
            readonly verifierLog: string;
            /** "processed N insns" from the log: how many instructions the verifier walked. */
            readonly processedInsns: number | undefined;
        }

        /** @public */
        export declare interface MemoryUsage {
            /** Bytes in use now. */
            readonly current: bigint;
            /** Highest usage seen, where the kernel tracks it (v2 memory.peak, v1 max_usage_in_bytes). */
            readonly peak?: bigint;
            readonly max: bigint | "max";
            /** Swap in use, where accounted. */
            readonly swap?: bigint;
            /** Processes the OOM killer killed in this group. */
            readonly oomKills: bigint;
        }

        /**
         * Memory controller (memcg v1) - user, kernel, TCP-buffer and memory+swap accounting and limits, reclaim knobs and OOM control.
         *
         * Control files of the cgroup v1 `memory` controller, bound to one cgroup directory. Spec: `spec/v1/memory.yaml`.
         * @public
         */
        export declare class MemoryV1 extends ControllerAccessor {
            static readonly version = "v1";
            static readonly controller = "memory";
            /**
             * Current memory charged to the group (a fuzzy, batched value; memory.stat rss+cache is more exact).
             *
             * File `memory.usage_in_bytes`: ro, every group. Unit: bytes. Since Linux 2.6.25. Codec: u64.
             * @public
             */
            get usageInBytes(): ReadOnlyFile<bigint>;
            /**
             * Hard limit on the group's memory use; max (written as -1) removes it; rounded to pages, and not settable on the root group.
             *
             * File `memory.limit_in_bytes`: rw, every group. Unit: bytes. Since Linux 2.6.25. Codec: v1Bytes.
             * @public
             */
            get limitInBytes(): ReadWriteFile<bigint | "max">;
            /**
             * Number of times memory usage hit memory.limit_in_bytes; writing 0 resets it.
             *
             * File `memory.failcnt`: rw, every group. Unit: count. Since Linux 2.6.25. Codec: u64, writes u64.
             * @public
             */
            get failcnt(): ReadWriteFile<bigint>;
            /**
             * Highest memory usage recorded for the group; writing 0 resets the watermark.
             *
             * File `memory.max_usage_in_bytes`: rw, every group. Unit: bytes. Codec: u64, writes u64.
             * @public
             */
            get maxUsageInBytes(): ReadWriteFile<bigint>;
            /**
             * Current memory plus swap charged to the group.
             *
             * File `memory.memsw.usage_in_bytes`: ro, every group. Unit: bytes. Requires CONFIG_SWAP with swap accounting enabled (not swapaccount=0). Codec: u64.
             * @public
             */
            get memswUsageInBytes(): ReadOnlyFile<bigint>;
            /**
             * Limit on memory plus swap (must be at least memory.limit_in_bytes); max (written as -1) removes it.
             *
             * File `memory.memsw.limit_in_bytes`: rw, every group. Unit: bytes. Requires CONFIG_SWAP with swap accounting enabled (not swapaccount=0). Codec: v1Bytes.
             * @public
             */
            get memswLimitInBytes(): ReadWriteFile<bigint | "max">;
            /**
             * Number of times memory plus swap usage hit its limit; writing 0 resets it.
             *
             * File `memory.memsw.failcnt`: rw, every group. Unit: count. Requires CONFIG_SWAP with swap accounting enabled (not swapaccount=0). Codec: u64, writes u64.
             * @public
             */
            get memswFailcnt(): ReadWriteFile<bigint>;
            /**
             * Highest memory plus swap usage recorded; writing 0 resets the watermark.
             *
             * File `memory.memsw.max_usage_in_bytes`: rw, every group. Unit: bytes. Requires CONFIG_SWAP with swap accounting enabled (not swapaccount=0). Codec: u64, writes u64.
             * @public
             */
            get memswMaxUsageInBytes(): ReadWriteFile<bigint>;
            /**
             * Best-effort target the group is pushed back to under global memory pressure; max (written as -1) disables it.
             *
             * File `memory.soft_limit_in_bytes`: rw, every group. Unit: bytes. Requires not available on CONFIG_PREEMPT_RT kernels. Codec: v1Bytes.
             * @deprecated the kernel documents soft limits as deprecated and logs a warning on write
             * @public
             */
            get softLimitInBytes(): ReadWriteFile<bigint | "max">;
            /**
             * Group statistics - sizes in bytes and event counts, local values, hierarchical limits and total_ sums over the subtree.
             *
             * File `memory.stat`: ro, every group. Since Linux 2.6.25. Codec: flatKeyed.
             * @public
             */
            get stat(): ReadOnlyFile<KeyedValues<"cache" | "rss" | "rss_huge" | "shmem" | "mapped_file" | "dirty" | "writeback" | "workingset_refault_anon" | "workingset_refault_file" | "swap" | "swapcached" | "pgpgin" | "pgpgout" | "pgfault" | "pgmajfault" | "inactive_anon" | "active_anon" | "inactive_file" | "active_file" | "unevictable" | "hierarchical_memory_limit" | "hierarchical_memsw_limit" | "total_cache" | "total_rss" | "total_rss_huge" | "total_shmem" | "total_mapped_file" | "total_dirty" | "total_writeback" | "total_workingset_refault_anon" | "total_workingset_refault_file" | "total_swap" | "total_swapcached" | "total_pgpgin" | "total_pgpgout" | "total_pgfault" | "total_pgmajfault" | "total_inactive_anon" | "total_active_anon" | "total_inactive_file" | "total_active_file" | "total_unevictable" | "recent_rotated_anon" | "recent_rotated_file" | "recent_scanned_anon" | "recent_scanned_file", bigint>>;
            /**
             * Per-NUMA-node page counts of total, file, anon and unevictable memory, plus hierarchical_ versions over the subtree.
             *
             * File `memory.numa_stat`: ro, every group. Unit: pages. Requires CONFIG_NUMA. Codec: numaStat.
             * @public
             */
            get numaStat(): ReadOnlyFile<Readonly<Record<string, Readonly<Record<string, bigint>>>>>;
            /**
             * Hierarchical accounting switch; always 1 now, and writing 0 fails.
             *
             * File `memory.use_hierarchy`: rw, every group. Codec: bool.
             * @deprecated the kernel documents use_hierarchy as deprecated; non-hierarchical mode is gone
             * @public
             */
            get useHierarchy(): ReadWriteFile<boolean>;
            /**
             * Writing (conventionally 0) reclaims as many of the group's pages as possible, e.g. before rmdir.
             *
             * File `memory.force_empty`: wo, every group. Codec: int.
             * @public
             */
            get forceEmpty(): WriteOnlyFile<number>;
            /**
             * The group's own vm.swappiness (0..200; the root's is the global value); 0 forbids swapping in limit reclaim.
             *
             * File `memory.swappiness`: rw, every group. Codec: int.
             * @public
             */
            get swappiness(): ReadWriteFile<number>;
            /**
             * Bitmask of charges moved with a task migrating into the group (bit 0 anonymous, bit 1 mapped file pages).
             *
             * File `memory.move_charge_at_immigrate`: rw, every group. Requires CONFIG_MMU; recent kernels (6.18 here) no longer move charges and refuse any non-zero write. Codec: int.
             * @deprecated the kernel documents charge moving as deprecated
             * @public
             */
            get moveChargeAtImmigrate(): ReadWriteFile<number>;
            /**
             * Reads OOM state (oom_kill_disable, under_oom, oom_kill count); writing 1 disables the OOM killer for the group, 0 re-enables it.
             *
             * File `memory.oom_control`: rw, every group. Codec: flatKeyed, writes bool.
             * @deprecated the kernel documents oom_control as deprecated
             * @public
             */
            get oomControl(): ReadWriteFile<KeyedValues<"oom_kill_disable" | "under_oom" | "oom_kill", bigint>, boolean>;
            /**
             * Event source only - register its fd with cgroup.event_control and "low|medium|critical[,hierarchy|local]"; reading fails with EINVAL.
             *
             * File `memory.pressure_level`: ro, every group. Since Linux 3.10. Codec: text.
             * @beta
             */
            get pressureLevel(): ReadOnlyFile<string>;
            /**
             * Registers an eventfd notification - write "\<eventfd\> \<fd of target file\> [args]" (usage thresholds, OOM, pressure level).
             *
             * File `cgroup.event_control`: wo, every group. Requires CONFIG_MEMCG; not available on CONFIG_PREEMPT_RT kernels. Codec: string.
             * @beta
             */
            get eventControl(): WriteOnlyFile<string>;
            /**
             * Former hard limit on kernel memory; no longer enforced since 5.16, writes are accepted but have no effect.
             *
             * File `memory.kmem.limit_in_bytes`: rw, every group. Unit: bytes. Requires CONFIG_MEMCG_KMEM (memory accounting of kernel memory). Codec: v1Bytes.
             * @deprecated the kernel ignores writes since 5.16 and documents the file as deprecated
             * @public
             */
            get kmemLimitInBytes(): ReadWriteFile<bigint | "max">;
            /**
             * Kernel memory currently charged to the group (also included in memory.usage_in_bytes).
             *
             * File `memory.kmem.usage_in_bytes`: ro, every group. Unit: bytes. Requires CONFIG_MEMCG_KMEM; zero with cgroup.memory=nokmem. Codec: u64.
             * @public
             */
            get kmemUsageInBytes(): ReadOnlyFile<bigint>;
            /**
             * Number of times kernel memory usage hit its limit; writing 0 resets it.
             *
             * File `memory.kmem.failcnt`: rw, every group. Unit: count. Requires CONFIG_MEMCG_KMEM. Codec: u64, writes u64.
             * @public
             */
            get kmemFailcnt(): ReadWriteFile<bigint>;
            /**
             * Highest kernel memory usage recorded; writing 0 resets the watermark.
             *
             * File `memory.kmem.max_usage_in_bytes`: rw, every group. Unit: bytes. Requires CONFIG_MEMCG_KMEM. Codec: u64, writes u64.
             * @public
             */
            get kmemMaxUsageInBytes(): ReadWriteFile<bigint>;
            /**
             * Slab-cache report for the group in /proc/slabinfo style; prints nothing since per-group slab caches were dropped (5.9).
             *
             * File `memory.kmem.slabinfo`: ro, every group. Requires CONFIG_MEMCG_KMEM. Codec: text.
             * @beta
             */
            get kmemSlabinfo(): ReadOnlyFile<string>;
            /**
             * Hard limit on TCP socket buffer memory of the group; max (written as -1) removes it.
             *
             * File `memory.kmem.tcp.limit_in_bytes`: rw, every group. Unit: bytes. Requires CONFIG_MEMCG_KMEM and CONFIG_INET. Codec: v1Bytes.
             * @deprecated the kernel documents the kmem.tcp files as deprecated
             * @public
             */
            get kmemTcpLimitInBytes(): ReadWriteFile<bigint | "max">;
            /**
             * TCP socket buffer memory currently charged to the group.
             *
             * File `memory.kmem.tcp.usage_in_bytes`: ro, every group. Unit: bytes. Requires CONFIG_MEMCG_KMEM and CONFIG_INET. Codec: u64.
             * @deprecated the kernel documents the kmem.tcp files as deprecated
             * @public
             */
            get kmemTcpUsageInBytes(): ReadOnlyFile<bigint>;
            /**
             * Number of times TCP buffer usage hit its limit; writing 0 resets it.
             *
             * File `memory.kmem.tcp.failcnt`: rw, every group. Unit: count. Requires CONFIG_MEMCG_KMEM and CONFIG_INET. Codec: u64, writes u64.
             * @deprecated the kernel documents the kmem.tcp files as deprecated
             * @public
             */
            get kmemTcpFailcnt(): ReadWriteFile<bigint>;
            /**
             * Highest TCP buffer usage recorded; writing 0 resets the watermark.
             *
             * File `memory.kmem.tcp.max_usage_in_bytes`: rw, every group. Unit: bytes. Requires CONFIG_MEMCG_KMEM and CONFIG_INET. Codec: u64, writes u64.
             * @deprecated the kernel documents the kmem.tcp files as deprecated
             * @public
             */
            get kmemTcpMaxUsageInBytes(): ReadWriteFile<bigint>;
            /**
             * Not a mainline file - found on this project's 6.18 host kernel; holds a byte count (default 0, -1 refused) with undocumented effect.
             *
             * File `memory.shown_ram_in_bytes`: rw, non-root groups. Unit: bytes. Requires an out-of-tree kernel patch (seen on 6.18.44-fc); absent from mainline kernels. Codec: u64.
             * @beta
             */
            get shownRamInBytes(): ReadWriteFile<bigint>;
        }

        /**
         * Accounts and limits user memory, page cache and kernel memory, with protection (min, low) and limit (high, max) models.
         *
         * Control files of the cgroup v2 `memory` controller, bound to one cgroup directory. Spec: `spec/v2/memory.yaml`.
         * @public
         */
        export declare class MemoryV2 extends ControllerAccessor {
            static readonly version = "v2";
            static readonly controller = "memory";
            /**
             * Memory in use by the group and its descendants.
             *
             * File `memory.current`: ro, non-root groups. Unit: bytes. Since Linux 4.5. Codec: u64.
             * @public
             */
            get current(): ReadOnlyFile<bigint>;
            /**
             * Hard protection; usage within the effective min is never reclaimed, OOM comes first. Default 0.
             *
             * File `memory.min`: rw, non-root groups. Unit: bytes. Since Linux 4.18. Codec: limit.
             * @public
             */
            get min(): ReadWriteFile<bigint | "max">;
            /**
             * Best-effort protection; usage within the effective low is reclaimed only when unprotected memory runs out. Default 0.
             *
             * File `memory.low`: rw, non-root groups. Unit: bytes. Since Linux 4.5. Codec: limit.
             * @public
             */
            get low(): ReadWriteFile<bigint | "max">;
            /**
             * Throttle limit; above it the group is slowed and reclaimed hard, never OOM-killed. Default "max".
             *
             * File `memory.high`: rw, non-root groups. Unit: bytes. Since Linux 4.5. Codec: limit.
             * @public
             */
            get high(): ReadWriteFile<bigint | "max">;
            /**
             * Hard limit; when usage reaches it and reclaim fails, the OOM killer runs inside the group. Default "max".
             *
             * File `memory.max`: rw, non-root groups. Unit: bytes. Since Linux 4.5. Codec: limit.
             * @public
             */
            get max(): ReadWriteFile<bigint | "max">;
            /**
             * Write an amount such as "1G" to reclaim that much now (newer kernels also take " swappiness=N", 0-200 or max); EAGAIN if less was freed.
             *
             * File `memory.reclaim`: wo, every group. Since Linux 5.19. Codec: string.
             * @public
             */
            get reclaim(): WriteOnlyFile<string>;
            /**
             * Highest usage of the group and its descendants since creation; a non-empty write resets it for reads through the same open file (writable on 6.12, read-only on older kernels such as 6.1).
             *
             * File `memory.peak`: rw, non-root groups. Unit: bytes. Since Linux 5.19. Codec: u64, writes string.
             * @public
             */
            get peak(): ReadWriteFile<bigint, string>;
            /**
             * When 1 the OOM killer kills the whole group (except oom_score_adj -1000 tasks) or nothing. Default 0.
             *
             * File `memory.oom.group`: rw, non-root groups. Since Linux 4.19. Codec: bool.
             * @public
             */
            get oomGroup(): ReadWriteFile<boolean>;
            /**
             * Hierarchical counts of memory boundary events (low, high, max, oom, oom_kill, oom_group_kill, sock_throttled); changes raise a file-modified event.
             *
             * File `memory.events`: ro, non-root groups. Since Linux 4.5. Codec: flatKeyed.
             * @public
             */
            get events(): ReadOnlyFile<KeyedValues<"low" | "high" | "max" | "oom" | "oom_kill" | "oom_group_kill" | "sock_throttled", bigint>>;
            /**
             * The memory.events counters for this group alone, not its descendants.
             *
             * File `memory.events.local`: ro, non-root groups. Since Linux 5.2. Codec: flatKeyed.
             * @public
             */
            get eventsLocal(): ReadOnlyFile<KeyedValues<"low" | "high" | "max" | "oom" | "oom_kill" | "oom_group_kill" | "sock_throttled", bigint>>;
            /**
             * Breakdown of the group's memory by type (bytes) and memory-management event counts (pages or events); keys may be added anywhere.
             *
             * File `memory.stat`: ro, every group. Since Linux 4.5. Codec: flatKeyed.
             * @public
             */
            get stat(): ReadOnlyFile<KeyedValues<"anon" | "file" | "kernel" | "kernel_stack" | "pagetables" | "sec_pagetables" | "percpu" | "sock" | "vmalloc" | "shmem" | "zswap" | "zswapped" | "file_mapped" | "file_dirty" | "file_writeback" | "swapcached" | "anon_thp" | "file_thp" | "shmem_thp" | "inactive_anon" | "active_anon" | "inactive_file" | "active_file" | "unevictable" | "slab_reclaimable" | "slab_unreclaimable" | "slab" | "workingset_refault_anon" | "workingset_refault_file" | "workingset_activate_anon" | "workingset_activate_file" | "workingset_restore_anon" | "workingset_restore_file" | "workingset_nodereclaim" | "pswpin" | "pswpout" | "pgscan" | "pgsteal" | "pgscan_kswapd" | "pgscan_direct" | "pgscan_khugepaged" | "pgscan_proactive" | "pgsteal_kswapd" | "pgsteal_direct" | "pgsteal_khugepaged" | "pgsteal_proactive" | "pgfault" | "pgmajfault" | "pgrefill" | "pgactivate" | "pgdeactivate" | "pglazyfree" | "pglazyfreed" | "swpin_zero" | "swpout_zero" | "zswpin" | "zswpout" | "zswpwb" | "zswap_incomp" | "thp_fault_alloc" | "thp_collapse_alloc" | "thp_swpout" | "thp_swpout_fallback" | "numa_pages_migrated" | "numa_pte_updates" | "numa_hint_faults" | "pgdemote_kswapd" | "pgdemote_direct" | "pgdemote_khugepaged" | "pgdemote_proactive" | "pgpromote_success" | "hugetlb", bigint>>;
            /**
             * The per-node part of memory.stat, one line per type with N\<node\>=bytes pairs.
             *
             * File `memory.numa_stat`: ro, every group. Unit: bytes. Requires CONFIG_NUMA. Codec: nestedKeyed.
             * @public
             */
            get numaStat(): ReadOnlyFile<Readonly<Record<string, KeyedValues<string, bigint>>>>;
            /**
             * Physical swap in use by the group and its descendants.
             *
             * File `memory.swap.current`: ro, non-root groups. Unit: bytes. Since Linux 4.8. Requires CONFIG_SWAP with memcg swap accounting. Codec: u64.
             * @public
             */
            get swapCurrent(): ReadOnlyFile<bigint>;
            /**
             * Swap throttle limit; past it every further allocation is throttled, a point of no return for the workload. Default "max".
             *
             * File `memory.swap.high`: rw, non-root groups. Unit: bytes. Since Linux 5.8. Requires CONFIG_SWAP with memcg swap accounting. Codec: limit.
             * @public
             */
            get swapHigh(): ReadWriteFile<bigint | "max">;
            /**
             * Highest swap usage of the group and its descendants; a non-empty write resets it for reads through the same open file.
             *
             * File `memory.swap.peak`: rw, non-root groups. Unit: bytes. Requires CONFIG_SWAP with memcg swap accounting. Codec: u64, writes string.
             * @public
             */
            get swapPeak(): ReadWriteFile<bigint, string>;
            /**
             * Swap hard limit; once reached the group's anonymous memory is no longer swapped out. Default "max".
             *
             * File `memory.swap.max`: rw, non-root groups. Unit: bytes. Since Linux 4.8. Requires CONFIG_SWAP with memcg swap accounting. Codec: limit.
             * @public
             */
            get swapMax(): ReadWriteFile<bigint | "max">;
            /**
             * Counts of swap usage over swap.high, swap allocations refused at swap.max, and swap allocation failures of any cause.
             *
             * File `memory.swap.events`: ro, non-root groups. Requires CONFIG_SWAP with memcg swap accounting. Codec: flatKeyed.
             * @public
             */
            get swapEvents(): ReadOnlyFile<KeyedValues<"high" | "max" | "fail", bigint>>;
            /**
             * Memory taken by the zswap compressed pool for this group.
             *
             * File `memory.zswap.current`: ro, non-root groups. Unit: bytes. Since Linux 5.19. Requires CONFIG_ZSWAP. Codec: u64.
             * @public
             */
            get zswapCurrent(): ReadOnlyFile<bigint>;
            /**
             * Limit on the group's zswap pool; at the limit new stores are refused. Default "max".
             *
             * File `memory.zswap.max`: rw, non-root groups. Unit: bytes. Since Linux 5.19. Requires CONFIG_ZSWAP. Codec: limit.
             * @public
             */
            get zswapMax(): ReadWriteFile<bigint | "max">;
            /**
             * When 0, no page of this subtree goes to a swap device, neither zswap writeback nor store failures. Default 1.
             *
             * File `memory.zswap.writeback`: rw, every group. Since Linux 6.8. Requires CONFIG_ZSWAP. Codec: bool.
             * @public
             */
            get zswapWriteback(): ReadWriteFile<boolean>;
            /**
             * Pressure stall information for memory (some and full lines); write a trigger to be notified of stalls.
             *
             * File `memory.pressure`: rw, every group. Since Linux 4.20. Present without the controller enabled. Requires CONFIG_PSI. Codec: psi.
             * @public
             */
            get pressure(): ReadWriteFile<Pressure, PressureTrigger>;
        }

        /**
         * Miscellaneous scalar resources (e.g. SEV/TDX ASIDs) - capacity, usage and limits per resource name.
         *
         * Control files of the cgroup v1 `misc` controller, bound to one cgroup directory. Spec: `spec/v1/misc.yaml`.
         * @public
         */
        export declare class MiscV1 extends ControllerAccessor {
            static readonly version = "v1";
            static readonly controller = "misc";
            /**
             * Quantity of each misc resource available on the platform.
             *
             * File `misc.capacity`: ro, root group only. Unit: count. Since Linux 5.13. Requires CONFIG_CGROUP_MISC. Codec: flatKeyed.
             * @public
             */
            get capacity(): ReadOnlyFile<KeyedValues<string, bigint>>;
            /**
             * Current usage of each misc resource by the group and its descendants.
             *
             * File `misc.current`: ro, every group. Unit: count. Since Linux 5.13. Requires CONFIG_CGROUP_MISC. Codec: flatKeyed.
             * @public
             */
            get current(): ReadOnlyFile<KeyedValues<string, bigint>>;
            /**
             * Highest usage of each misc resource by the group and its descendants.
             *
             * File `misc.peak`: ro, every group. Unit: count. Requires CONFIG_CGROUP_MISC. Codec: flatKeyed.
             * @public
             */
            get peak(): ReadOnlyFile<KeyedValues<string, bigint>>;
            /**
             * Limit on each misc resource for the group and its descendants ("res_a 4", "res_a max"); may exceed capacity.
             *
             * File `misc.max`: rw, non-root groups. Unit: count. Since Linux 5.13. Requires CONFIG_CGROUP_MISC. Codec: flatKeyed.
             * @public
             */
            get max(): ReadWriteFile<KeyedValues<string, bigint | "max">, Readonly<Record<string, bigint | "max">>>;
            /**
             * Hierarchical counters of charges refused at the limit, one key \<resource\>.max per resource.
             *
             * File `misc.events`: ro, non-root groups. Requires CONFIG_CGROUP_MISC. Codec: flatKeyed.
             * @public
             */
            get events(): ReadOnlyFile<KeyedValues<string, bigint>>;
            /**
             * Like misc.events, counting only refusals in this group itself.
             *
             * File `misc.events.local`: ro, non-root groups. Requires CONFIG_CGROUP_MISC. Codec: flatKeyed.
             * @public
             */
            get eventsLocal(): ReadOnlyFile<KeyedValues<string, bigint>>;
        }

        /**
         * Limits and accounts scalar platform resources that fit no other controller, such as encrypted-VM address space IDs.
         *
         * Control files of the cgroup v2 `misc` controller, bound to one cgroup directory. Spec: `spec/v2/misc.yaml`.
         * @public
         */
        export declare class MiscV2 extends ControllerAccessor {
            static readonly version = "v2";
            static readonly controller = "misc";
            /**
             * Quantity of each misc resource the platform provides.
             *
             * File `misc.capacity`: ro, root group only. Since Linux 5.13. Requires CONFIG_CGROUP_MISC. Codec: flatKeyed.
             * @public
             */
            get capacity(): ReadOnlyFile<KeyedValues<string, bigint>>;
            /**
             * Usage of each misc resource by the group and its descendants (the root has it on newer kernels).
             *
             * File `misc.current`: ro, every group. Since Linux 5.13. Requires CONFIG_CGROUP_MISC. Codec: flatKeyed.
             * @public
             */
            get current(): ReadOnlyFile<KeyedValues<string, bigint>>;
            /**
             * Highest usage of each misc resource by the group and its descendants.
             *
             * File `misc.peak`: ro, every group. Requires CONFIG_CGROUP_MISC. Codec: flatKeyed.
             * @public
             */
            get peak(): ReadOnlyFile<KeyedValues<string, bigint>>;
            /**
             * Per-resource usage limit of the group and its descendants; write "\<resource\> N" or "\<resource\> max"; may exceed capacity.
             *
             * File `misc.max`: rw, non-root groups. Since Linux 5.13. Requires CONFIG_CGROUP_MISC. Codec: flatKeyed.
             * @public
             */
            get max(): ReadWriteFile<KeyedValues<string, bigint | "max">, Readonly<Record<string, bigint | "max">>>;
            /**
             * Hierarchical count per resource ("\<resource\>.max") of charges that would have gone over a limit.
             *
             * File `misc.events`: ro, non-root groups. Requires CONFIG_CGROUP_MISC. Codec: flatKeyed.
             * @public
             */
            get events(): ReadOnlyFile<KeyedValues<string, bigint>>;
            /**
             * The misc.events counters for this group alone, not its descendants.
             *
             * File `misc.events.local`: ro, non-root groups. Requires CONFIG_CGROUP_MISC. Codec: flatKeyed.
             * @public
             */
            get eventsLocal(): ReadOnlyFile<KeyedValues<string, bigint>>;
        }

        /**
         * Mount a cgroup hierarchy at `target` (an existing directory) with mount(2), `nosuid,nodev,noexec`.
         * Mounting v1 controllers that are already bound elsewhere mounts that same hierarchy again.
         * Nothing calls this implicitly.
         * @throws {@link CgroupIoError} with the errno of mount(2)
             * @public
             */
         export declare function mountHierarchy(request: MountRequest): Promise<void>;

         /** One line of `/proc/<pid>/mountinfo`, escapes (`\040`) decoded. @public */
         export declare interface MountInfoEntry {
             readonly mountId: number;
             readonly parentId: number;
             /** `major:minor` of the filesystem: every mount of one cgroup hierarchy shares it. */
             readonly device: string;
             /** The directory of the filesystem that is mounted here (a bind mount or a cgroup namespace shows a non-`/` root). */
             readonly root: string;
             readonly mountPoint: string;
             readonly mountOptions: readonly string[];
             readonly optionalFields: readonly string[];
             readonly fsType: string;
             readonly source: string;
             readonly superOptions: readonly string[];
         }

         /** What {@link mountHierarchy} mounts. @public */
         export declare type MountRequest = {
             readonly version: "v2";
             readonly target: string;
             readonly options?: readonly string[];
         } | {
             readonly version: "v1";
             readonly target: string;
             readonly controllers: readonly string[];
             readonly name?: string;
         };

         /**
          * Network classifier - tags the group's packets with a class id for tc filters and iptables/nftables cgroup matches.
          *
          * Control files of the cgroup v1 `net_cls` controller, bound to one cgroup directory. Spec: `spec/v1/net_cls.yaml`.
          * @public
          */
         export declare class NetClsV1 extends ControllerAccessor {
             static readonly version = "v1";
             static readonly controller = "net_cls";
             /**
              * Class id 0xAAAABBBB (major handle AAAA, minor BBBB) given to the group's packets; read back in decimal, 0 by default.
              *
              * File `net_cls.classid`: rw, every group. Since Linux 2.6.29. Codec: u64.
              * @public
              */
             get classid(): ReadWriteFile<bigint>;
         }

         /**
          * Network priority - sets the priority of the group's egress traffic per network interface.
          *
          * Control files of the cgroup v1 `net_prio` controller, bound to one cgroup directory. Spec: `spec/v1/net_prio.yaml`.
          * @public
          */
         export declare class NetPrioV1 extends ControllerAccessor {
             static readonly version = "v1";
             static readonly controller = "net_prio";
             /**
              * Informational kernel-internal index that identifies the group.
              *
              * File `net_prio.prioidx`: ro, every group. Since Linux 3.3. Codec: u64.
              * @public
              */
             get prioidx(): ReadOnlyFile<bigint>;
             /**
              * Priority given to the group's traffic on each interface ("eth0 5" lines); write one "ifname priority" pair; children inherit it.
              *
              * File `net_prio.ifpriomap`: rw, every group. Since Linux 3.3. Codec: flatKeyed.
              * @public
              */
             get ifpriomap(): ReadWriteFile<KeyedValues<string, bigint>, Readonly<Record<string, bigint>>>;
         }

         /** The real cgroupfs, through node:fs. @public */
         export declare class NodeCgroupFs implements CgroupFs {
             /**
              * Reads are served synchronously: a cgroupfs read is the kernel formatting memory it holds and never waits
              * on a disk, so the thread-pool round trips of an async read (open, fstat, read, close) would cost far more
              * than the read (5-10x on a usage snapshot of 1000 groups). Writes stay asynchronous: one can trigger reclaim.
              */
             readFile(path: string): Promise<string>;
             readFileSync(path: string): string;
             writeFile(path: string, data: string): Promise<void>;
             writeFileSync(path: string, data: string): void;
             mkdir(path: string): Promise<void>;
             rmdir(path: string): Promise<void>;
             readdir(path: string): Promise<CgroupDirEntry[]>;
             stat(path: string): Promise<CgroupStat | undefined>;
             chown(path: string, uid: number, gid: number): Promise<void>;
         }

         /** The process-wide default filesystem. @public */
         export declare const nodeCgroupFs: CgroupFs;

         /**
          * Validate a rule object and return it with its access in canonical order.
          * @throws InvalidValueError naming the file, the rule and why it was refused.
          * @public
          */
         export declare function normalizeDeviceRule(rule: DeviceRule, file?: string): DeviceRule;

         declare type Num = number | "*";

         /** One entry of the OCI runtime-spec `linux.resources.devices` list. @public */
         export declare interface OciDeviceRule {
             readonly allow: boolean;
             readonly type?: "a" | "b" | "c" | "";
             readonly major?: number | null;
             readonly minor?: number | null;
             readonly access?: string;
         }

         /** The OCI object as validated. @public */
         export declare type OciLinuxResources = z.output<ReturnType<typeof buildSchema>>;

         /** The zod schema of OCI `linux.resources` (runtime-spec config-linux.md), built on first use. @public */
         export declare function ociLinuxResourcesSchema(): ReturnType<typeof buildSchema>;

         /**
          * OCI `memory.swap` (memory + swap, v1 memsw semantics) → v2 `memory.swap.max` (swap alone), as runc does.
          * -1 is unlimited; 0 with no memory limit is unset. Errors when swap is set without a memory limit or is below it.
          * @public
          */
         export declare function ociMemorySwapToSwapMax(memorySwap: bigint, memoryLimit: bigint): bigint | "max" | undefined;

         /**
          * Parse one rule in the kernel's syntax: `c 1:3 rwm`, `b 8:* r`, `c *:* m`, `a` or `a *:* rwm`.
          * Access letters may come in any order (`mr`) and are returned in canonical order.
          * Strict: one space between fields, no leading or trailing whitespace, no newline,
          * decimal numbers without leading zeros in 0..4294967294, each access letter at most once.
          * @throws InvalidValueError naming the file, the text and why it was refused.
          * @public
          */
         export declare function parseDeviceRule(text: string, file?: string): DeviceRule;

         /** Text read from the kernel did not match the file's format. @public */
         export declare class ParseError extends CgroupError {
             readonly file: string | undefined;
             readonly text: string;
             readonly reason: string;
             constructor(file: string | undefined, text: string, reason: string);
         }

         /**
          * Validate a group name (`libvirt/lxc/web1`) and split it into components.
          * Refused: empty names, absolute paths, `.`/`..`/empty components, NUL, newline or
          * carriage return, and components longer than 255 bytes.
          * @throws {@link InvalidNameError}
              * @public
              */
          export declare function parseGroupName(name: string): string[];

          /**
           * Parse `/proc/<pid>/mountinfo` (proc(5)).
           * @throws {@link ParseError} on a malformed line
               * @public
               */
           export declare function parseMountinfo(text: string): MountInfoEntry[];

           /**
            * Parse `/proc/<pid>/cgroup` (`ID:CONTROLLERS:PATH` per line; the path may contain `:`).
            * @throws {@link ParseError} on a malformed line
                * @public
                */
            export declare function parseProcCgroup(text: string): ProcCgroupEntry[];

            /** Parse the verifier's "processed N insns" summary line. @internal */
            declare function parseProcessedInsns(log: string): number | undefined;

            /** @public */
            export declare interface PidsUsage {
                readonly current: bigint;
                readonly max: bigint | "max";
                readonly peak?: bigint;
            }

            /**
             * Process number controller - caps how many tasks (processes and threads) a group and its descendants may hold.
             *
             * Control files of the cgroup v1 `pids` controller, bound to one cgroup directory. Spec: `spec/v1/pids.yaml`.
             * @public
             */
            export declare class PidsV1 extends ControllerAccessor {
                static readonly version = "v1";
                static readonly controller = "pids";
                /**
                 * Most tasks the group and its descendants may hold; fork/clone fails with EAGAIN beyond it; max (default) means no limit.
                 *
                 * File `pids.max`: rw, non-root groups. Unit: count. Since Linux 4.3. Codec: limit.
                 * @public
                 */
                get max(): ReadWriteFile<bigint | "max">;
                /**
                 * Number of tasks now in the group and its descendants (may exceed pids.max after migrations or limit lowering).
                 *
                 * File `pids.current`: ro, non-root groups. Unit: count. Since Linux 4.3. Codec: u64.
                 * @public
                 */
                get current(): ReadOnlyFile<bigint>;
                /**
                 * Highest number of tasks the group and its descendants have held.
                 *
                 * File `pids.peak`: ro, non-root groups. Unit: count. Codec: u64.
                 * @public
                 */
                get peak(): ReadOnlyFile<bigint>;
                /**
                 * Event counters - max counts forks refused because this group's or an ancestor's limit was hit.
                 *
                 * File `pids.events`: ro, non-root groups. Codec: flatKeyed.
                 * @public
                 */
                get events(): ReadOnlyFile<KeyedValues<"max", bigint>>;
            }

            /**
             * Limits the number of tasks (processes and threads) a subtree may hold, stopping fork bombs.
             *
             * Control files of the cgroup v2 `pids` controller, bound to one cgroup directory. Spec: `spec/v2/pids.yaml`.
             * @public
             */
            export declare class PidsV2 extends ControllerAccessor {
                static readonly version = "v2";
                static readonly controller = "pids";
                /**
                 * Most tasks the group and its descendants may hold; fork and clone fail with EAGAIN beyond it. Default "max".
                 *
                 * File `pids.max`: rw, non-root groups. Since Linux 4.5. Codec: limit.
                 * @public
                 */
                get max(): ReadWriteFile<bigint | "max">;
                /**
                 * Tasks now in the group and its descendants; may exceed pids.max after migrations or a lowered limit.
                 *
                 * File `pids.current`: ro, non-root groups. Since Linux 4.5. Codec: u64.
                 * @public
                 */
                get current(): ReadOnlyFile<bigint>;
                /**
                 * Highest number of tasks the group and its descendants have held.
                 *
                 * File `pids.peak`: ro, non-root groups. Codec: u64.
                 * @public
                 */
                get peak(): ReadOnlyFile<bigint>;
                /**
                 * Hierarchical count of task creations refused by a pids.max limit; changes raise a file-modified event.
                 *
                 * File `pids.events`: ro, non-root groups. Codec: flatKeyed.
                 * @public
                 */
                get events(): ReadOnlyFile<KeyedValues<"max", bigint>>;
                /**
                 * The pids.events counters for this group alone, not its descendants.
                 *
                 * File `pids.events.local`: ro, non-root groups. Since Linux 6.11. Codec: flatKeyed.
                 * @public
                 */
                get eventsLocal(): ReadOnlyFile<KeyedValues<"max", bigint>>;
            }

            /**
             * The writes that take a group from `from` to `to`, one rule each, ordered so that no state on
             * the way allows anything that neither end allows (always), and, where both ends share a default,
             * no state on the way denies anything both ends allow. The second holds whenever every exception
             * changes one way (its access only grows or only shrinks) and for every default-allow pair; when an
             * exception's access changes sideways amid overlapping wildcard exceptions, a dead end can exist
             * in which no order keeps both (e.g. `b *:3 m`, `b 1:3 r` to `b 1:3 m`, `b *:3 rw`): the plan then
             * denies briefly rather than allow more. Whole changes come before partial ones, and taking
             * access away before giving it, whenever that keeps both properties.
             *
             * What v1 cannot avoid: switching the default takes `a`, which clears every exception. From
             * default-allow to default-deny the plan passes through deny-all (never more permissive than
             * either end, but it briefly denies what both allow); from default-deny to default-allow with
             * exceptions it would pass through allow-all, so it is refused with
             * {@link UnsafeDeviceTransitionError} unless `allowTransientAllowAll` is set.
             * @public
             */
            export declare function planV1Transition(from: DevicePolicy, to: DevicePolicy, options?: V1TransitionOptions): V1Write[];

            /**
             * A PSI file as read. cpu, memory and io pressure always have `some` (and `full` where the kernel reports it);
             * irq.pressure has only `full`, so `some` is optional in the type.
             * @public
             */
            export declare interface Pressure {
                readonly some?: PressureLine;
                readonly full?: PressureLine;
            }

            /** One PSI line: stall percentages over 10 s, 60 s, 300 s, and total stall time in microseconds. @public */
            export declare interface PressureLine {
                readonly avg10: number;
                readonly avg60: number;
                readonly avg300: number;
                readonly total: bigint;
            }

            /** A PSI trigger: wake pollers when stall time exceeds `stallUs` within any `windowUs` window. @public */
            export declare interface PressureTrigger {
                readonly kind: "some" | "full";
                readonly stallUs: bigint;
                readonly windowUs: bigint;
            }

            /** One line of `/proc/<pid>/cgroup`. @public */
            export declare interface ProcCgroupEntry {
                /** Hierarchy id; 0 is the cgroup2 hierarchy. */
                readonly hierarchyId: number;
                /** Controllers bound to the hierarchy, with `name=X` for a named one; empty for cgroup2. */
                readonly controllers: readonly string[];
                /** The process's cgroup, relative to its cgroup namespace root. */
                readonly path: string;
            }

            /** BPF_PROG_GET_FD_BY_ID: an fd for a loaded program (the caller closes it). @internal */
            declare function programFdById(id: number): number;

            /** BPF_OBJ_GET_INFO_BY_FD for a program fd. @internal */
            declare function programInfo(progFd: number): BpfProgramInfo;

            /** BPF_PROG_QUERY of the device programs attached directly to a cgroup. @internal */
            declare function queryDevicePrograms(cgroupFd: number, target?: string): BpfQueryResult;

            /**
             * The device programs attached directly to the group (inherited ones are not listed).
             * @throws UnsupportedError, CgroupIoError, BpfError.
             * @public
             */
            export declare function queryV2DevicePrograms(cgroupDir: string, options?: V2DeviceOptions): V2DeviceQuery;

            /**
             * RDMA controller - limits RDMA/IB verbs resources (HCA handles and objects) per device for the group.
             *
             * Control files of the cgroup v1 `rdma` controller, bound to one cgroup directory. Spec: `spec/v1/rdma.yaml`.
             * @public
             */
            export declare class RdmaV1 extends ControllerAccessor {
                static readonly version = "v1";
                static readonly controller = "rdma";
                /**
                 * Per-device limits ("mlx4_0 hca_handle=2 hca_object=max"); write one device line; max means no limit.
                 *
                 * File `rdma.max`: rw, non-root groups. Since Linux 4.11. Requires CONFIG_CGROUP_RDMA. Codec: nestedKeyed.
                 * @public
                 */
                get max(): ReadWriteFile<Readonly<Record<string, KeyedValues<"hca_handle" | "hca_object", bigint | "max">>>, Readonly<Record<string, Readonly<Record<string, bigint | "max">>>>>;
                /**
                 * Per-device current usage of HCA handles and objects by the group.
                 *
                 * File `rdma.current`: ro, every group. Since Linux 4.11. Requires CONFIG_CGROUP_RDMA. Codec: nestedKeyed.
                 * @public
                 */
                get current(): ReadOnlyFile<Readonly<Record<string, KeyedValues<"hca_handle" | "hca_object", bigint>>>>;
            }

            /**
             * Limits and accounts RDMA/IB resources (HCA handles and objects) per device.
             *
             * Control files of the cgroup v2 `rdma` controller, bound to one cgroup directory. Spec: `spec/v2/rdma.yaml`.
             * @public
             */
            export declare class RdmaV2 extends ControllerAccessor {
                static readonly version = "v2";
                static readonly controller = "rdma";
                /**
                 * Per-device limits on HCA handles and objects; write "\<device\> hca_handle=N hca_object=max" to set either.
                 *
                 * File `rdma.max`: rw, non-root groups. Since Linux 4.11. Codec: nestedKeyed.
                 * @public
                 */
                get max(): ReadWriteFile<Readonly<Record<string, KeyedValues<"hca_handle" | "hca_object", bigint | "max">>>, Readonly<Record<string, Readonly<Record<string, bigint | "max">>>>>;
                /**
                 * Per-device HCA handles and objects in use by the group.
                 *
                 * File `rdma.current`: ro, non-root groups. Since Linux 4.11. Codec: nestedKeyed.
                 * @public
                 */
                get current(): ReadOnlyFile<Readonly<Record<string, KeyedValues<"hca_handle" | "hca_object", bigint>>>>;
                /**
                 * Per-device highest HCA handle and object usage since the group was created.
                 *
                 * File `rdma.peak`: ro, non-root groups. Requires rdma peak and event accounting, documented after 6.18 (6.18 lacks it). Codec: nestedKeyed.
                 * @beta
                 */
                get peak(): ReadOnlyFile<Readonly<Record<string, KeyedValues<"hca_handle" | "hca_object", bigint>>>>;
                /**
                 * Per-device, per-resource hierarchical counts of allocations refused by an rdma.max limit in the subtree.
                 *
                 * File `rdma.events`: ro, non-root groups. Requires rdma peak and event accounting, documented after 6.18 (6.18 lacks it). Codec: nestedKeyed.
                 * @beta
                 */
                get events(): ReadOnlyFile<Readonly<Record<string, KeyedValues<"hca_handle.max" | "hca_handle.alloc_fail" | "hca_object.max" | "hca_object.alloc_fail", bigint>>>>;
                /**
                 * The rdma.events counters for allocations made by this group itself.
                 *
                 * File `rdma.events.local`: ro, non-root groups. Requires rdma peak and event accounting, documented after 6.18 (6.18 lacks it). Codec: nestedKeyed.
                 * @beta
                 */
                get eventsLocal(): ReadOnlyFile<Readonly<Record<string, KeyedValues<"hca_handle.max" | "hca_handle.alloc_fail" | "hca_object.max" | "hca_object.alloc_fail", bigint>>>>;
            }

            /** A control file that can be read. @public */
            export declare class ReadableFile<R> extends ControlFile {
                protected readonly readCodec: Codec<R, never>;
                constructor(dir: string, name: string, meta: FileMeta, fs: CgroupFs, readCodec: Codec<R, never>);
                /** The file's text as the kernel printed it. */
                readRaw(): Promise<string>;
                readRawSync(): string;
                /** Read and parse. */
                read(): Promise<R>;
                readSync(): R;
            }

            /**
             * Read the live layout from `/proc/<pid>/mountinfo`, `/proc/<pid>/cgroup` and the cgroup2
             * mount root's `cgroup.controllers`.
             * @public
             */
            export declare function readCgroupLayout(options?: ReadLayoutOptions): Promise<CgroupLayout>;

            /**
             * The policy in force on a group as the kernel reports it: v1 `devices.list`; on cgroup2 the attached programs
             * (a compiled program cannot be read back as rules, so `policy` is undefined there).
             * @public
             */
            export declare function readDevicePolicy(cg: Cgroup): Promise<{
                mechanism: "v1" | "ebpf";
                dir: string;
                policy?: DevicePolicy;
                programs?: ReturnType<typeof queryV2DevicePrograms>["programs"];
            }>;

            /** Where {@link readCgroupLayout} reads from. @public */
            export declare interface ReadLayoutOptions {
                readonly fs?: CgroupFs;
                /** The process whose view to read; default `self`. */
                readonly pid?: number | "self";
            }

            /** A read-only control file. @public */
            export declare class ReadOnlyFile<R> extends ReadableFile<R> {
            }

            /**
             * A typed usage snapshot of memory, cpu, pids, io and pressure, read in parallel from whichever version holds each.
             * @public
             */
            export declare function readUsage(cg: Cgroup): Promise<UsageSnapshot>;

            /** A control file that can be read and written. @public */
            export declare class ReadWriteFile<R, W = R> extends ReadableFile<R> {
                protected readonly writeCodec: Codec<unknown, W>;
                constructor(dir: string, name: string, meta: FileMeta, fs: CgroupFs, readCodec: Codec<R, never>, writeCodec: Codec<unknown, W>);
                /** Validate, format and write with one `write(2)`. Invalid values never reach the kernel. */
                write(value: W): Promise<void>;
                writeSync(value: W): void;
                /** The text a write of `value` would send; throws {@link InvalidValueError} without touching the kernel. */
                format(value: W): string;
                /** Write text as the kernel printed it (from {@link ReadableFile.readRaw}), to restore an earlier value. One line only. */
                writeRaw(text: string): Promise<void>;
            }

            /** Options of {@link Cgroup.remove}. @public */
            export declare interface RemoveOptions {
                /**
                 * Kill live processes first (as {@link Cgroup.kill}). Default `false`: a group with live processes
                 * is refused with {@link CgroupBusyError} before anything is removed, like `runc delete` without
                 * `--force` and libcgroup's `cgdelete`; pass `true` for what `runc delete --force` and stopping a systemd unit do.
                 */
                readonly kill?: boolean;
                /** How many times an `rmdir` that fails with EBUSY is tried (the kernel frees a group asynchronously after its last task exits). Default 20. */
                readonly attempts?: number;
                /** First delay between attempts, doubled each time up to 200 ms. Default 5 ms. */
                readonly delayMs?: number;
                /** Bound on the kill. Default 10 s. */
                readonly timeoutMs?: number;
            }

            /**
             * Detach our device programs from the group (others stay). Afterwards the group's device
             * access is whatever remaining programs and ancestors allow: with none, every device.
             * Returns the ids detached.
             * @throws UnsupportedError, CgroupIoError, BpfError.
             * @public
             */
            export declare function removeV2DevicePolicy(cgroupDir: string, options?: V2DeviceOptions): number[];

            /** A write that failed after others succeeded; those were restored. @public */
            export declare class ResourceApplyError extends CgroupError {
                readonly failed: CgroupError;
                readonly restored: readonly string[];
                readonly restoreFailures: readonly string[];
                constructor(failed: CgroupError, restored: readonly string[], restoreFailures: readonly string[]);
            }

            /**
             * Resource limits independent of the cgroup version. Each is written to whichever version holds the controller,
             * converted where the versions differ (see the named functions in conversions).
             * @public
             */
            export declare interface ResourceLimits {
                readonly memory?: {
                    /** Hard limit in bytes (v2 memory.max, v1 memory.limit_in_bytes). */
                    readonly max?: bigint | "max";
                    /** Swap alone, in bytes (v2 memory.swap.max; v1 memory.memsw.limit_in_bytes = max + swap). */
                    readonly swap?: bigint | "max";
                    /** Best-effort protection (v2 memory.low, v1 memory.soft_limit_in_bytes). */
                    readonly low?: bigint;
                    /** Throttle point (v2 memory.high only). */
                    readonly high?: bigint | "max";
                    /** v1 memory.swappiness only. */
                    readonly swappiness?: number;
                    /** v1 memory.oom_control only: disable the OOM killer. */
                    readonly oomKillDisable?: boolean;
                };
                readonly cpu?: {
                    /** 1..10000 (v2 cpu.weight; v1 cpu.shares via cpuWeightToShares). */
                    readonly weight?: number;
                    /** v1 cpu.shares; v2 cpu.weight via the shares conversion in the options (default the OCI curve). */
                    readonly shares?: bigint;
                    /** Microseconds per period, or "max" (v2 cpu.max, v1 cpu.cfs_quota_us). */
                    readonly quota?: bigint | "max";
                    /** Period in microseconds (default 100000 where a quota is set). */
                    readonly period?: bigint;
                    readonly cpus?: string;
                    readonly mems?: string;
                };
                readonly pids?: {
                    readonly max?: bigint | "max";
                };
                readonly io?: {
                    /** 1..10000 (v2 io.weight default; v1 blkio.weight via ioWeightToBlkioWeight). */
                    readonly weight?: number;
                    /** 10..1000 (v1 blkio.weight; v2 io.weight via blkioWeightToIoWeight). */
                    readonly blkioWeight?: number;
                };
                /** Huge page limits in bytes by page size (`2MB`, `1GB`). */
                readonly hugetlb?: Readonly<Record<string, bigint | "max">>;
            }

            /**
             * Validate an OCI `linux.resources` object and map it onto {@link ResourceLimits}, as runc does
             * (memory.swap is memory+swap; -1 is unlimited; pids.limit ≤ 0 is unlimited; cpu.shares stays shares and is
             * converted on cgroup v2). Errors name the field. `devices` is returned as is for the device layer.
             * @public
             */
            export declare function resourcesFromOci(input: unknown): {
                limits: ResourceLimits;
                devices: OciLinuxResources["devices"];
            };

            /**
             * Run a device-filter program on one request and return r0 (1 allow, 0 deny).
             * @throws DeviceFilterRuntimeError for anything outside the supported, verifier-safe subset.
             * @beta
             */
            export declare function runDeviceFilter(insns: readonly BpfInsn[], ctx: DeviceFilterContext): number;

            /** Value kinds inside keyed files: `u64`/`s64` → bigint, `limit` → bigint | "max", `number` → number, `string` → string. @public */
            export declare type ScalarKind = "u64" | "s64" | "limit" | "number" | "string";

            /** Quote a value for a message, short and on one line. @public */
            export declare function showValue(value: unknown): string;

            /**
             * A deny written to a group reaches each child (propagate_exception): when both are default-allow
             * the child gains the exception, otherwise the child's matching exception loses those bits; then
             * every child exception its new parent state no longer permits is dropped
             * (revalidate_active_exceptions).
             * @beta
             */
            export declare function simulateV1Propagation(child: DevicePolicy, parentAfter: DevicePolicy, rule: DeviceRule): DevicePolicy;

            /**
             * What the kernel does with one write to `devices.allow`/`devices.deny` of a group in state
             * `state` (devcgroup_update_access), including the writes it refuses: `a` in a group with
             * children (EINVAL), `a` to devices.allow under a default-deny parent (EPERM), and rules that
             * would give the group more than its parent (EPERM). Silent no-ops are reproduced as such.
             * A deny also reaches the group's children: see {@link simulateV1Propagation}.
             * @beta
             */
            export declare function simulateV1Write(state: DevicePolicy, write: V1Write, context?: V1WriteContext): V1WriteOutcome;

            /**
             * A transition that cgroup v1 cannot make without passing through a state more permissive
             * than both ends: from default-deny to default-allow with exceptions, which must go through
             * "allow everything" (writing `a` to `devices.allow`).
             * @public
             */
            export declare class UnsafeDeviceTransitionError extends CgroupError {
                constructor(message: string);
            }

            /** The running kernel or host lacks what was asked for (a controller, a file, a syscall). @public */
            export declare class UnsupportedError extends CgroupError {
                constructor(message: string);
            }

            /** A group's usage; a controller the group has no hierarchy for is absent. @public */
            export declare interface UsageSnapshot {
                readonly memory?: MemoryUsage;
                readonly cpu?: CpuUsage;
                readonly pids?: PidsUsage;
                readonly io?: IoUsage;
                readonly pressure?: {
                    readonly cpu?: Pressure;
                    readonly memory?: Pressure;
                    readonly io?: Pressure;
                };
            }

            /**
             * Every cgroup v1 accessor class by controller name (`core` for the cgroup.* files).
             * New controllers arrive as new members; no closed union of the names is exported, so adding one is a minor release.
             * @public
             */
            export declare const V1_CONTROLLERS: {
                readonly blkio: typeof BlkioV1;
                readonly core: typeof CoreV1;
                readonly cpu: typeof CpuV1;
                readonly cpuacct: typeof CpuacctV1;
                readonly cpuset: typeof CpusetV1;
                readonly devices: typeof DevicesV1;
                readonly freezer: typeof FreezerV1;
                readonly hugetlb: typeof HugetlbV1;
                readonly memory: typeof MemoryV1;
                readonly misc: typeof MiscV1;
                readonly net_cls: typeof NetClsV1;
                readonly net_prio: typeof NetPrioV1;
                readonly pids: typeof PidsV1;
                readonly rdma: typeof RdmaV1;
            };

            /**
             * Every v1 controller's accessor, bound to the group's directory in the hierarchy that holds it;
             * `undefined` where this group has no such hierarchy. `core` is bound to the first v1 hierarchy.
             * @public
             */
            export declare type V1Accessors = {
                readonly [K in keyof typeof V1_CONTROLLERS]: InstanceType<(typeof V1_CONTROLLERS)[K]> | undefined;
            };

            /** What {@link applyV1DevicePolicy} did. @public */
            export declare interface V1ApplyResult {
                /** The state read from devices.list before. */
                readonly before: DevicePolicy;
                /** The writes made, in order. */
                readonly writes: readonly V1Write[];
                /** The state read back from devices.list after. */
                readonly after: DevicePolicy;
            }

            /** A cgroup v1 hierarchy. @public */
            export declare interface V1Hierarchy extends CgroupHierarchyBase {
                readonly version: "v1";
                /** The name of a named hierarchy (`systemd` for `name=systemd`). */
                readonly name: string | undefined;
            }

            /** Options of {@link planV1Transition} and {@link applyV1DevicePolicy}. @public */
            export declare interface V1TransitionOptions {
                /**
                 * Permit the one transition v1 cannot make safely: from default-deny to default-allow with
                 * exceptions, which passes through "allow everything the parent allows" between writing `a`
                 * to `devices.allow` and writing the exceptions. Off by default: such a plan is refused.
                 */
                readonly allowTransientAllowAll?: boolean;
            }

            /** A write to `devices.allow` or `devices.deny`: one rule, one `write(2)`. @public */
            export declare interface V1Write {
                readonly file: "devices.allow" | "devices.deny";
                readonly rule: DeviceRule;
            }

            /** Where a simulated write lands: the group's parent (absent for a root group) and whether it has children. @beta */
            export declare interface V1WriteContext {
                readonly parent?: DevicePolicy | undefined;
                readonly hasChildren?: boolean;
            }

            /** The kernel's answer to a write: the new state, or the errno it returns. @beta */
            export declare type V1WriteOutcome = {
                readonly ok: true;
                readonly policy: DevicePolicy;
            } | {
                readonly ok: false;
                readonly errno: "EPERM" | "EINVAL";
                readonly reason: string;
            };

            /**
             * Every cgroup v2 accessor class by controller name (`core` for the cgroup.* files).
             * New controllers arrive as new members; no closed union of the names is exported, so adding one is a minor release.
             * @public
             */
            export declare const V2_CONTROLLERS: {
                readonly core: typeof CoreV2;
                readonly cpu: typeof CpuV2;
                readonly cpuset: typeof CpusetV2;
                readonly dmem: typeof DmemV2;
                readonly hugetlb: typeof HugetlbV2;
                readonly io: typeof IoV2;
                readonly memory: typeof MemoryV2;
                readonly misc: typeof MiscV2;
                readonly pids: typeof PidsV2;
                readonly rdma: typeof RdmaV2;
            };

            /** Every v2 controller's accessor, bound to the group's cgroup2 directory. @public */
            export declare type V2Accessors = {
                readonly [K in keyof typeof V2_CONTROLLERS]: InstanceType<(typeof V2_CONTROLLERS)[K]>;
            };

            /** What {@link applyV2DevicePolicy} did. @public */
            export declare interface V2ApplyResult {
                /** Kernel id of the program now attached. */
                readonly programId: number;
                /** How it was attached: atomically replacing ours, next to others (none of ours before), or next to ours then detaching them (no BPF_F_REPLACE). */
                readonly method: "replace" | "attach" | "attach-then-detach";
                /** Ids of our earlier programs it replaced or detached. */
                readonly replacedIds: readonly number[];
                /** The compiled program. */
                readonly program: CompiledDeviceFilter;
                /** The verifier's log (level 1) and its "processed N insns" count. */
                readonly verifierLog: string;
                readonly verifierProcessedInsns: number | undefined;
            }

            /** Options of the v2 device calls. @public */
            export declare interface V2DeviceOptions {
                /** @internal Substitute bpf(2) operations (fault injection in tests). */
                readonly ops?: BpfDeviceOps;
            }

            /** One device program attached to a group. @public */
            export declare interface V2DeviceProgram {
                readonly id: number;
                readonly name: string;
                /** The kernel's tag (hash) of the program. */
                readonly tag: string;
                /** Loaded by this package (named {@link DEVICE_PROGRAM_NAME}). */
                readonly ours: boolean;
                /** Instructions after the kernel's rewriting. */
                readonly xlatedInsns: number;
                /** Instructions the verifier processed (kernel 5.16+). */
                readonly verifiedInsns: number | undefined;
            }

            /** The device programs attached directly to a group. @public */
            export declare interface V2DeviceQuery {
                /** The group's attach flags for device programs (2 = BPF_F_ALLOW_MULTI); 0 when none is attached. */
                readonly attachFlags: number;
                /** In the order the kernel runs them. */
                readonly programs: readonly V2DeviceProgram[];
            }

            /** The cgroup v2 hierarchy. @public */
            export declare interface V2Hierarchy extends CgroupHierarchyBase {
                readonly version: "v2";
                /** `cgroup.controllers` of the mount root, as the kernel printed it. */
                readonly available: readonly string[];
                /** Controllers that are bound to a v1 hierarchy and therefore not usable here (hybrid hosts). */
                readonly heldByV1: readonly string[];
            }

            /** A write-only control file (`cgroup.kill`, `memory.reclaim`). @public */
            export declare class WriteOnlyFile<W> extends ControlFile {
                protected readonly writeCodec: Codec<unknown, W>;
                constructor(dir: string, name: string, meta: FileMeta, fs: CgroupFs, writeCodec: Codec<unknown, W>);
                write(value: W): Promise<void>;
                writeSync(value: W): void;
                /** The text a write of `value` would send; throws {@link InvalidValueError} without touching the kernel. */
                format(value: W): string;
            }

            export { }
