package io.fanout.sink;

import org.agrona.concurrent.IdleStrategy;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * The immutable settings of a {@link MultiSocketSink}, with multihandlesink's property names in
 * Java case. Build one with {@link #builder()}; every value has the default of the table in
 * docs/semantics.md §1.1. Safe to share between threads.
 */
public final class SinkConfig
{
    /** Default of {@link Builder#queueCapacityBuffers(int)}: 65,536 buffers. */
    public static final int DEFAULT_QUEUE_CAPACITY_BUFFERS = 65536;
    /** Default of {@link Builder#queueCapacityBytes(long)}: 64 MiB. */
    public static final long DEFAULT_QUEUE_CAPACITY_BYTES = 64L * 1024 * 1024;
    /** Largest accepted {@link Builder#queueCapacityBuffers(int)}: 2^30 buffers. */
    public static final int MAX_QUEUE_CAPACITY_BUFFERS = 1 << 30;
    /** Default of {@link Builder#maxWriteDelayNs(long)}: 10 ms. */
    public static final long DEFAULT_MAX_WRITE_DELAY_NS = 10_000_000L;
    /** Default of {@link Builder#writeBatchBytes(int)}: 64 KiB. */
    public static final int DEFAULT_WRITE_BATCH_BYTES = 64 * 1024;
    /** {@link Builder#backpressureMaxWaitNs(long)}: no back-pressure, the default. */
    public static final long BACKPRESSURE_OFF = -1;
    /** {@link Builder#backpressureMaxWaitNs(long)}: the producer waits as long as a client needs. */
    public static final long BACKPRESSURE_UNBOUNDED = Long.MAX_VALUE;

    private final SyncMethod syncMethod;
    private final UnitFormat burstFormat;
    private final long burstValue;
    private final UnitFormat unitFormat;
    private final long unitsMax;
    private final long unitsSoftMax;
    private final RecoverPolicy recoverPolicy;
    private final long timeMinNs;
    private final long bytesMin;
    private final long buffersMin;
    private final long timeoutNs;
    private final int qosDscp;
    private final boolean resendStreamheader;
    private final int queueCapacityBuffers;
    private final long queueCapacityBytes;
    private final Supplier<? extends IdleStrategy> idleStrategy;
    private final long backpressureMaxWaitNs;
    private final long maxWriteDelayNs;
    private final int writeBatchBytes;

    private SinkConfig(final Builder b)
    {
        syncMethod = b.syncMethod;
        burstFormat = b.burstFormat;
        burstValue = b.burstValue;
        unitFormat = b.unitFormat;
        unitsMax = b.unitsMax;
        unitsSoftMax = b.unitsSoftMax;
        recoverPolicy = b.recoverPolicy;
        timeMinNs = b.timeMinNs;
        bytesMin = b.bytesMin;
        buffersMin = b.buffersMin;
        timeoutNs = b.timeoutNs;
        qosDscp = b.qosDscp;
        resendStreamheader = b.resendStreamheader;
        queueCapacityBuffers = b.queueCapacityBuffers;
        queueCapacityBytes = b.queueCapacityBytes;
        idleStrategy = b.idleStrategy;
        backpressureMaxWaitNs = b.backpressureMaxWaitNs;
        maxWriteDelayNs = b.maxWriteDelayNs;
        writeBatchBytes = b.writeBatchBytes;
    }

    /** @return a builder holding every default. */
    public static Builder builder()
    {
        return new Builder();
    }

    /** @return the default configuration. */
    public static SinkConfig defaults()
    {
        return builder().build();
    }

    /** @return a builder holding this configuration's values. */
    public Builder toBuilder()
    {
        return new Builder()
            .syncMethod(syncMethod).burstFormat(burstFormat).burstValue(burstValue)
            .unitFormat(unitFormat).unitsMax(unitsMax).unitsSoftMax(unitsSoftMax)
            .recoverPolicy(recoverPolicy).timeMinNs(timeMinNs).bytesMin(bytesMin).buffersMin(buffersMin)
            .timeoutNs(timeoutNs).qosDscp(qosDscp).resendStreamheader(resendStreamheader)
            .queueCapacityBuffers(queueCapacityBuffers).queueCapacityBytes(queueCapacityBytes)
            .idleStrategy(idleStrategy).backpressureMaxWaitNs(backpressureMaxWaitNs)
            .maxWriteDelayNs(maxWriteDelayNs).writeBatchBytes(writeBatchBytes);
    }

    /** @return the default sync method of {@code add}; default LATEST. */
    public SyncMethod syncMethod()
    {
        return syncMethod;
    }

    /** @return the unit of the default burst minimum; default UNDEFINED. */
    public UnitFormat burstFormat()
    {
        return burstFormat;
    }

    /** @return the default burst minimum in {@link #burstFormat()} units; default 0. */
    public long burstValue()
    {
        return burstValue;
    }

    /** @return the unit of {@link #unitsMax()} and {@link #unitsSoftMax()}; default BUFFERS. */
    public UnitFormat unitFormat()
    {
        return unitFormat;
    }

    /** @return the hard lag limit in {@link #unitFormat()} units, -1 for none; default -1. */
    public long unitsMax()
    {
        return unitsMax;
    }

    /** @return the soft lag limit in {@link #unitFormat()} units, -1 for none; default -1. */
    public long unitsSoftMax()
    {
        return unitsSoftMax;
    }

    /** @return what happens over the soft limit; default NONE. */
    public RecoverPolicy recoverPolicy()
    {
        return recoverPolicy;
    }

    /** @return minimum retention in nanoseconds of timestamps, -1 for none; default -1. */
    public long timeMinNs()
    {
        return timeMinNs;
    }

    /** @return minimum retention in bytes, -1 for none; default -1. */
    public long bytesMin()
    {
        return bytesMin;
    }

    /** @return minimum retention in buffers, -1 for none; default -1. */
    public long buffersMin()
    {
        return buffersMin;
    }

    /** @return the stalled-client timeout in nanoseconds, 0 for none (docs/semantics.md A.2.5); default 0. */
    public long timeoutNs()
    {
        return timeoutNs;
    }

    /** @return the DSCP 0..63 set on every client socket, -1 to leave them untouched; default -1. */
    public int qosDscp()
    {
        return qosDscp;
    }

    /** @return whether a client gets the new streamheader when it changes; default true. */
    public boolean resendStreamheader()
    {
        return resendStreamheader;
    }

    /** @return the queue capacity in buffers (docs/semantics.md A.2.9); default 65,536. */
    public int queueCapacityBuffers()
    {
        return queueCapacityBuffers;
    }

    /** @return the queue capacity in bytes (docs/semantics.md A.2.9); default 64 MiB. */
    public long queueCapacityBytes()
    {
        return queueCapacityBytes;
    }

    /**
     * @return what makes the idle strategy of each sink's selector thread (one instance per sink),
     * or null (the default) for the sink's own: spin, yield, then block in select.
     */
    public Supplier<? extends IdleStrategy> idleStrategy()
    {
        return idleStrategy;
    }

    /**
     * @return how long the producer may wait for a client before lapping it, in ns
     * (docs/semantics.md A.2.14): {@link #BACKPRESSURE_OFF} (the default), 1 or more, or
     * {@link #BACKPRESSURE_UNBOUNDED}.
     */
    public long backpressureMaxWaitNs()
    {
        return backpressureMaxWaitNs;
    }

    /** @return whether the producer waits for clients at all ({@link #backpressureMaxWaitNs()} set). */
    public boolean backpressure()
    {
        return backpressureMaxWaitNs != BACKPRESSURE_OFF;
    }

    /**
     * @return the longest a buffer waits before it is written to the clients that are caught up,
     * in ns (docs/design.md, "Writes"); default 10 ms, 0 = at once.
     */
    public long maxWriteDelayNs()
    {
        return maxWriteDelayNs;
    }

    /** @return the bytes that make a write to the caught-up clients due before the delay; default 64 KiB. */
    public int writeBatchBytes()
    {
        return writeBatchBytes;
    }

    @Override
    public String toString()
    {
        return "SinkConfig{syncMethod=" + syncMethod + ", burstFormat=" + burstFormat + ", burstValue=" + burstValue +
            ", unitFormat=" + unitFormat + ", unitsMax=" + unitsMax + ", unitsSoftMax=" + unitsSoftMax +
            ", recoverPolicy=" + recoverPolicy + ", timeMinNs=" + timeMinNs + ", bytesMin=" + bytesMin +
            ", buffersMin=" + buffersMin + ", timeoutNs=" + timeoutNs + ", qosDscp=" + qosDscp +
            ", resendStreamheader=" + resendStreamheader + ", queueCapacityBuffers=" + queueCapacityBuffers +
            ", queueCapacityBytes=" + queueCapacityBytes + ", backpressureMaxWaitNs=" + backpressureMaxWaitNs +
            ", maxWriteDelayNs=" + maxWriteDelayNs + ", writeBatchBytes=" + writeBatchBytes + '}';
    }

    /** Builds a {@link SinkConfig}; not thread-safe. Setters take any value; {@link #build()} checks ranges. */
    public static final class Builder
    {
        private SyncMethod syncMethod = SyncMethod.LATEST;
        private UnitFormat burstFormat = UnitFormat.UNDEFINED;
        private long burstValue = 0;
        private UnitFormat unitFormat = UnitFormat.BUFFERS;
        private long unitsMax = -1;
        private long unitsSoftMax = -1;
        private RecoverPolicy recoverPolicy = RecoverPolicy.NONE;
        private long timeMinNs = -1;
        private long bytesMin = -1;
        private long buffersMin = -1;
        private long timeoutNs = 0;
        private int qosDscp = -1;
        private boolean resendStreamheader = true;
        private int queueCapacityBuffers = DEFAULT_QUEUE_CAPACITY_BUFFERS;
        private long queueCapacityBytes = DEFAULT_QUEUE_CAPACITY_BYTES;
        private Supplier<? extends IdleStrategy> idleStrategy;
        private long backpressureMaxWaitNs = BACKPRESSURE_OFF;
        private long maxWriteDelayNs = DEFAULT_MAX_WRITE_DELAY_NS;
        private int writeBatchBytes = DEFAULT_WRITE_BATCH_BYTES;

        private Builder()
        {
        }

        /** @param v default sync method of {@code add}, not null. @return this */
        public Builder syncMethod(final SyncMethod v)
        {
            syncMethod = v;
            return this;
        }

        /** @param v unit of the default burst minimum, not null. @return this */
        public Builder burstFormat(final UnitFormat v)
        {
            burstFormat = v;
            return this;
        }

        /** @param v default burst minimum, &gt;= 0. @return this */
        public Builder burstValue(final long v)
        {
            burstValue = v;
            return this;
        }

        /** @param v unit of the lag limits, not null. @return this */
        public Builder unitFormat(final UnitFormat v)
        {
            unitFormat = v;
            return this;
        }

        /** @param v hard lag limit, -1 (none) or &gt;= 1. @return this */
        public Builder unitsMax(final long v)
        {
            unitsMax = v;
            return this;
        }

        /** @param v soft lag limit, -1 (none) or &gt;= 1. @return this */
        public Builder unitsSoftMax(final long v)
        {
            unitsSoftMax = v;
            return this;
        }

        /** @param v policy over the soft limit, not null. @return this */
        public Builder recoverPolicy(final RecoverPolicy v)
        {
            recoverPolicy = v;
            return this;
        }

        /** @param v minimum retention in ns, -1 (none) or &gt;= 0. @return this */
        public Builder timeMinNs(final long v)
        {
            timeMinNs = v;
            return this;
        }

        /** @param v minimum retention in bytes, -1 (none) or &gt;= 0. @return this */
        public Builder bytesMin(final long v)
        {
            bytesMin = v;
            return this;
        }

        /** @param v minimum retention in buffers, -1 (none) or &gt;= 0. @return this */
        public Builder buffersMin(final long v)
        {
            buffersMin = v;
            return this;
        }

        /** @param v stalled-client timeout in ns, 0 (none) or more. @return this */
        public Builder timeoutNs(final long v)
        {
            timeoutNs = v;
            return this;
        }

        /** @param v DSCP 0..63, or -1 to leave sockets untouched. @return this */
        public Builder qosDscp(final int v)
        {
            qosDscp = v;
            return this;
        }

        /** @param v resend the streamheader to clients when it changes. @return this */
        public Builder resendStreamheader(final boolean v)
        {
            resendStreamheader = v;
            return this;
        }

        /** @param v queue capacity in buffers, 1 .. 2^30. @return this */
        public Builder queueCapacityBuffers(final int v)
        {
            queueCapacityBuffers = v;
            return this;
        }

        /** @param v queue capacity in bytes, &gt;= 1. @return this */
        public Builder queueCapacityBytes(final long v)
        {
            queueCapacityBytes = v;
            return this;
        }

        /**
         * How the selector thread waits between duty cycles that found no work, as Aeron's agents
         * do. The default (null) is the sink's own Agrona {@link IdleStrategy}: 100 spins, 20
         * yields, then a block in {@code select} (at most 100 ms) that ends at once on a socket
         * event, a rendered buffer or a request, and costs no CPU while the stream is idle. Any
         * Agrona strategy may replace it: {@code BusySpinIdleStrategy} for the lowest latency at
         * the cost of a core (it polls the sockets without pause), or a parking one
         * ({@code BackoffIdleStrategy}, {@code SleepingIdleStrategy}), which the producer and
         * requests unpark at once but which sees socket events (a lagging client's socket that
         * drained, a new connection) only when its park ends: docs/design.md, "Idling". The
         * supplier is called once per sink, in its constructor; the strategy then runs on the
         * selector thread only.
         *
         * @param v makes one idle strategy per sink, or null for the default.
         * @return this
         */
        public Builder idleStrategy(final Supplier<? extends IdleStrategy> v)
        {
            idleStrategy = v;
            return this;
        }

        /**
         * Back-pressure, off by default (docs/semantics.md A.2.14; GStreamer's multisocketsink has
         * none): when keeping a new buffer would exceed the queue capacity and release a buffer
         * that a connected client still needs, the producer's render or commit waits, up to this
         * long per buffer, for the client to take it, instead of lapping the client. A client is
         * still removed by {@link #unitsMax(long)} and {@link #timeoutNs(long)} and then holds
         * nothing; a wait that reaches the bound laps the client as without back-pressure. So
         * that the hard limit can remove a stalled client before the capacity is reached, set
         * {@code unitsMax} below the capacity (or a {@code timeoutNs}); otherwise only the bound
         * ends the wait. The trade-off: one stalled client within its limits slows the producer,
         * and with it every other client.
         *
         * @param v {@link SinkConfig#BACKPRESSURE_OFF}, a bound in ns &gt;= 1, or
         *          {@link SinkConfig#BACKPRESSURE_UNBOUNDED}.
         * @return this
         */
        public Builder backpressureMaxWaitNs(final long v)
        {
            backpressureMaxWaitNs = v;
            return this;
        }

        /**
         * Write coalescing (no counterpart in multisocketsink, which sends each buffer to each
         * client at once): buffers for the clients that are caught up wait until they add up to
         * {@link #writeBatchBytes(int)} or the oldest of them waited this long, whichever comes
         * first, so that each client's gathering write carries several buffers and the system
         * calls per byte fall. It adds up to this much delivery delay; start positions, bursts,
         * streamheaders and lag limits do not change, only when bytes leave. A client with data
         * pending (lagging) is written whenever its socket takes more, as before. At the end of
         * input ({@code drain}) a waiting round goes at once.
         *
         * @param v the longest delay in ns, 0 (write at once) .. 10 s; default 10 ms.
         * @return this
         */
        public Builder maxWriteDelayNs(final long v)
        {
            maxWriteDelayNs = v;
            return this;
        }

        /**
         * @param v bytes published since the last round that make the next one due before
         *          {@link #maxWriteDelayNs(long)}, 1 .. 2^30; default 64 KiB.
         * @return this
         */
        public Builder writeBatchBytes(final int v)
        {
            writeBatchBytes = v;
            return this;
        }

        /**
         * @return the configuration.
         * @throws IllegalArgumentException naming the field, for a value out of range.
         * @throws NullPointerException     naming the field, for a null enum.
         */
        public SinkConfig build()
        {
            Objects.requireNonNull(syncMethod, "syncMethod");
            Objects.requireNonNull(burstFormat, "burstFormat");
            Objects.requireNonNull(unitFormat, "unitFormat");
            Objects.requireNonNull(recoverPolicy, "recoverPolicy");
            check(burstValue >= 0, "burstValue", burstValue, ">= 0");
            check(unitsMax == -1 || unitsMax >= 1, "unitsMax", unitsMax, "-1 or >= 1");
            check(unitsSoftMax == -1 || unitsSoftMax >= 1, "unitsSoftMax", unitsSoftMax, "-1 or >= 1");
            check(timeMinNs >= -1, "timeMinNs", timeMinNs, "-1 or >= 0");
            check(bytesMin >= -1, "bytesMin", bytesMin, "-1 or >= 0");
            check(buffersMin >= -1, "buffersMin", buffersMin, "-1 or >= 0");
            check(timeoutNs >= 0, "timeoutNs", timeoutNs, ">= 0");
            check(qosDscp >= -1 && qosDscp <= 63, "qosDscp", qosDscp, "-1 or 0..63");
            check(queueCapacityBuffers >= 1 && queueCapacityBuffers <= MAX_QUEUE_CAPACITY_BUFFERS,
                "queueCapacityBuffers", queueCapacityBuffers, "1.." + MAX_QUEUE_CAPACITY_BUFFERS);
            check(queueCapacityBytes >= 1, "queueCapacityBytes", queueCapacityBytes, ">= 1");
            check(maxWriteDelayNs >= 0 && maxWriteDelayNs <= 10_000_000_000L, "maxWriteDelayNs", maxWriteDelayNs,
                "0..10 s");
            check(writeBatchBytes >= 1 && writeBatchBytes <= (1 << 30), "writeBatchBytes", writeBatchBytes, "1..2^30");
            check(backpressureMaxWaitNs == BACKPRESSURE_OFF || backpressureMaxWaitNs >= 1,
                "backpressureMaxWaitNs", backpressureMaxWaitNs, "-1 or >= 1");
            return new SinkConfig(this);
        }

        private static void check(final boolean ok, final String field, final long value, final String range)
        {
            if (!ok)
            {
                throw new IllegalArgumentException(field + " = " + value + " is out of range (" + range + ")");
            }
        }
    }
}
