package io.fanout.sink;

import io.fanout.sink.internal.ring.Backpressure;
import io.fanout.sink.internal.ring.BufferRing;
import io.fanout.sink.internal.ring.SlabPool;
import io.fanout.sink.internal.ring.Streamheader;
import io.fanout.sink.internal.agent.SinkProxy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The fan-out sink, as GStreamer's multisocketsink: one producer renders buffers, each connected
 * client socket is served from a bounded history at its own pace.
 * <p>
 * <b>Threads.</b>
 * <ul>
 * <li>Producer (one thread at a time): {@link #render}, {@link #claim}, {@link #commit}. O(1) per
 * buffer whatever the number of clients; never blocks, never waits for clients (unless
 * {@link SinkConfig#backpressure()} is set), allocates nothing when rendering direct buffers or
 * through claim/commit.</li>
 * <li>Selector thread (one per sink, started by {@link #start()}, named {@code fanout-selector-N}):
 * owns every client and all socket I/O, and runs every {@link SinkListener} and
 * {@link ClientFilter} callback.</li>
 * <li>Any thread: {@link #add}, {@link #remove}, {@link #removeFlush}, {@link #clear},
 * {@link #clientFilter}, {@link #getStats}, {@link #stats}, {@link #drain}. Their effect is
 * applied on the selector thread in call order; calls that return something wait for it (at most
 * 10 s, then IllegalStateException).</li>
 * </ul>
 * <b>Memory.</b> The history is bounded by {@link SinkConfig#queueCapacityBuffers()} and
 * {@link SinkConfig#queueCapacityBytes()} (docs/semantics.md A.2.9): when keeping a buffer would exceed
 * either, the oldest are released and a client that still needed one is removed with status
 * {@link ClientStatus#SLOW} (counted in {@link SinkStats#clientsLapped()}). With
 * {@link SinkConfig#backpressureMaxWaitNs()} set, {@link #render} and {@link #commit} first wait
 * (up to that long) for such a client instead (docs/semantics.md A.2.14); the wait ends early when
 * the sink closes or the producer thread is interrupted, whose interrupt status then stays set.
 * <p>
 * <b>Semantics</b> are multihandlesink's (sync methods, bursts, soft and hard lag limits, recover
 * policies, streamheaders, client statuses) with the deliberate differences of docs/semantics.md Part
 * A, each noted where it applies.
 */
public final class MultiSocketSink implements AutoCloseable
{
    /** An unknown pts or duration, as GST_CLOCK_TIME_NONE. */
    public static final long CLOCK_TIME_NONE = -1L;

    private static final AtomicInteger SINK_COUNT = new AtomicInteger();

    private final SinkConfig config;
    private final BufferRing ring;
    private final SlabPool slabs;
    private final SinkProxy loop;
    /** Null unless {@link SinkConfig#backpressure()}. */
    private final Backpressure backpressure;
    private final Object lifecycleLock = new Object();
    private volatile int state; // 0 new, 1 started, 2 closed

    /**
     * @param config the settings.
     * @throws UncheckedIOException when no selector can be opened.
     */
    public MultiSocketSink(final SinkConfig config)
    {
        this.config = Objects.requireNonNull(config, "config");
        ring = new BufferRing(config.queueCapacityBuffers(), config.queueCapacityBytes());
        slabs = new SlabPool(ring, SlabPool.DEFAULT_SLAB_BYTES);
        try
        {
            loop = new SinkProxy(ring, config, "fanout-selector-" + SINK_COUNT.incrementAndGet());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot open a selector", ex);
        }
        backpressure = config.backpressure() ?
            new Backpressure(ring, config.backpressureMaxWaitNs(), () -> state == 2, loop::wakeNow) : null;
    }

    /** @return the configuration. */
    public SinkConfig config()
    {
        return config;
    }

    /**
     * Starts the selector thread. Idempotent while running.
     *
     * @throws IllegalStateException after {@link #close()}.
     */
    public void start()
    {
        synchronized (lifecycleLock)
        {
            if (state == 2)
            {
                throw new IllegalStateException("sink is closed");
            }
            if (state == 0)
            {
                loop.start();
                state = 1;
            }
        }
    }

    /**
     * Stops: every client is removed with status {@link ClientStatus#REMOVED} (callbacks run on the
     * selector thread before this returns, unless called from a callback), the selector thread ends
     * and the queue is released: the sink keeps no reference to any buffer rendered into it (a
     * render racing with the close releases its own buffer before it returns), and
     * {@link #stats()} reports nothing queued. Later renders and commits are dropped. Idempotent;
     * any thread.
     */
    @Override
    public void close()
    {
        synchronized (lifecycleLock)
        {
            if (state == 2)
            {
                return;
            }
            final boolean started = state == 1;
            state = 2;
            if (!started)
            {
                loop.closeUnstarted();
                return;
            }
        }
        loop.stop();
    }

    /**
     * Producer thread: queue one buffer for every client, as multihandlesink's render.
     * <p>
     * The sink takes ownership of {@code data} from its position to its limit: do not change its
     * contents, position or limit afterwards. A direct buffer is shared with every client as it is
     * (zero copy; pass a distinct ByteBuffer object per render, a {@code duplicate()} of shared
     * memory will do); a heap buffer is copied once into direct memory. After {@link #close()} the
     * buffer is dropped.
     *
     * A buffer flagged {@link BufferFlags#HEADER} whose bytes equal one of the current streamheader
     * buffers is dropped, as multihandlesink does (docs/semantics.md §4.1); other HEADER buffers are data.
     *
     * @param data       the payload.
     * @param flags      {@link BufferFlags} bits; without DELTA_UNIT the buffer is a keyframe.
     * @param ptsNs      presentation timestamp in ns, or {@link #CLOCK_TIME_NONE}.
     * @param durationNs duration in ns, or {@link #CLOCK_TIME_NONE}.
     */
    public void render(final ByteBuffer data, final int flags, final long ptsNs, final long durationNs)
    {
        if (state == 2)
        {
            return;
        }
        if ((flags & BufferFlags.HEADER) != 0)
        {
            final Streamheader header = ring.producerStreamheader();
            if (header != null && header.contains(data))
            {
                return; // docs/semantics.md §4.1: a HEADER buffer identical to the current streamheader is not data
            }
        }
        final int length = data.remaining();
        if (data.isDirect())
        {
            awaitClients(length);
            ring.publish(data, data.position(), length, flags, ptsNs, durationNs);
        }
        else
        {
            final ByteBuffer target = slabs.claim(length);
            target.put(data);
            awaitClients(length);
            slabs.commit(length, flags, ptsNs, durationNs);
        }
        loop.wakeIfParked();
        releaseIfClosedMeanwhile();
    }

    /** Producer thread, before a publish: back-pressure, when configured (docs/semantics.md A.2.14). */
    private void awaitClients(final int length)
    {
        if (backpressure != null)
        {
            backpressure.await(length);
        }
    }

    /**
     * Producer thread, after a publish: when close() ran meanwhile, the selector thread may have
     * released the queue before this buffer went in; release it again so that it does not stay.
     */
    private void releaseIfClosedMeanwhile()
    {
        if (state == 2)
        {
            ring.releaseReferences();
        }
    }

    /**
     * Producer thread: set the streamheader, as the {@code streamheader} field of multihandlesink's
     * caps. It is ordered with {@link #render} (docs/semantics.md A.2.4): it applies to every buffer
     * rendered after this call, and each client gets the header that was current for the buffer it
     * is about to send: before its first buffer, and again after a change when
     * {@link SinkConfig#resendStreamheader()} is set and the bytes differ (or when it had none).
     * Streamheader bytes count in bytes-served and in each client's bytes-sent. The buffers are
     * copied (position to limit); the caller keeps them.
     *
     * @param headers the header buffers in order; none to clear the streamheader.
     */
    public void setStreamheader(final ByteBuffer... headers)
    {
        ring.streamheader(headers.length == 0 ? null : new Streamheader(headers));
    }

    /**
     * Producer thread: claim direct memory to read input into without a copy (the zero-copy path
     * of the CLI and the input framers). Write payload bytes at the returned view's position (at
     * least {@code minFree} bytes are free before its limit), then {@link #commit} them. Bytes
     * written and not yet committed are kept across claims.
     *
     * @param minFree bytes needed, &gt;= 0.
     * @return a direct view owned by the producer until the next claim.
     */
    public ByteBuffer claim(final int minFree)
    {
        return slabs.claim(minFree);
    }

    /**
     * Producer thread: publish the oldest {@code length} bytes written into claimed memory and not
     * yet committed as one buffer. After {@link #close()} nothing is published and the bytes are
     * dropped, as by {@link #discard}.
     *
     * @param length     payload bytes.
     * @param flags      {@link BufferFlags} bits.
     * @param ptsNs      presentation timestamp in ns, or {@link #CLOCK_TIME_NONE}.
     * @param durationNs duration in ns, or {@link #CLOCK_TIME_NONE}.
     * @throws IllegalArgumentException when {@code length} exceeds the uncommitted bytes.
     * @throws IllegalStateException    before any claim.
     */
    public void commit(final int length, final int flags, final long ptsNs, final long durationNs)
    {
        if (state == 2)
        {
            // dropped, not kept uncommitted: they would pile up at every later claim
            slabs.discard(Math.max(0, Math.min(length, slabs.uncommitted())));
            return;
        }
        awaitClients(length);
        slabs.commit(length, flags, ptsNs, durationNs);
        loop.wakeIfParked();
        releaseIfClosedMeanwhile();
    }

    /**
     * Producer thread: drop the oldest {@code length} bytes written into claimed memory and not yet
     * committed, without publishing them (input a framer rejects).
     *
     * @param length bytes to drop.
     * @throws IllegalArgumentException when {@code length} exceeds the uncommitted bytes.
     */
    public void discard(final int length)
    {
        slabs.discard(length);
    }

    /** Producer thread: @return bytes written into claimed memory and not yet committed or discarded. */
    public int uncommitted()
    {
        return slabs.uncommitted();
    }

    /**
     * Any thread: add a client with the configuration's sync method and burst, as
     * multisocketsink's {@code add}. The channel must be connected; the sink makes it
     * non-blocking and leaves its other options alone. Every buffer rendered after this call
     * returns is eligible for the client. clientAdded runs on the selector thread before anything
     * is sent; adding a channel that is already a client gives clientRemoved(DUPLICATE).
     *
     * @param channel a connected socket channel.
     * @throws IllegalStateException before {@link #start()} or after {@link #close()}.
     */
    public void add(final SocketChannel channel)
    {
        addFull(channel, ClientSync.defaults(config));
    }

    /**
     * Any thread: add a client with its own sync method and burst, as multisocketsink's
     * {@code add-full}. Everything {@link #add} says holds. The start position follows semantics
     * docs/semantics.md §5.3 with A.2.1 (bursts in every unit, buffers included) and A.1 (computed when the first buffer
     * after this call is queued, on the queue as it stood then): a burst needs retention
     * ({@link SinkConfig#bytesMin()}, {@link SinkConfig#timeMinNs()}, {@link SinkConfig#buffersMin()})
     * to have anything to send.
     *
     * @param channel    a connected socket channel.
     * @param syncMethod where the client starts.
     * @param minFormat  unit of the burst minimum (UNDEFINED: just the newest buffer).
     * @param minValue   burst minimum in minFormat units (buffers, bytes, or ns for TIME).
     * @param maxFormat  unit of the burst maximum (UNDEFINED: none).
     * @param maxValue   burst maximum in maxFormat units, -1 for none; the burst stays strictly under it.
     * @throws IllegalStateException    before {@link #start()} or after {@link #close()}.
     * @throws IllegalArgumentException when both limits are in the same unit and max &lt; min (the
     *                                  reference logs a warning and ignores the add).
     */
    public void addFull(
        final SocketChannel channel,
        final SyncMethod syncMethod,
        final UnitFormat minFormat,
        final long minValue,
        final UnitFormat maxFormat,
        final long maxValue)
    {
        Objects.requireNonNull(channel, "channel");
        addFull(channel, new ClientSync(syncMethod, minFormat, minValue, maxFormat, maxValue));
    }

    /**
     * Any thread: {@link #addFull(SocketChannel, SyncMethod, UnitFormat, long, UnitFormat, long)}
     * with the sync method and burst as one value.
     *
     * @param channel a connected socket channel.
     * @param sync    where the client starts.
     * @throws IllegalStateException before {@link #start()} or after {@link #close()}.
     * @throws NullPointerException  when {@code channel} or {@code sync} is null.
     */
    public void addFull(final SocketChannel channel, final ClientSync sync)
    {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(sync, "sync");
        checkRunning();
        loop.add(channel, sync);
    }

    /**
     * Any thread: remove a client with status {@link ClientStatus#REMOVED}, as multisocketsink's
     * {@code remove}; a removal during a removeFlush removes at once (docs/semantics.md A.2.7). Unknown
     * channels are ignored. Callbacks run on the selector thread; the sink never closes the
     * channel.
     *
     * @param channel the client's channel.
     */
    public void remove(final SocketChannel channel)
    {
        Objects.requireNonNull(channel, "channel");
        loop.remove(channel, false);
    }

    /**
     * Any thread: send the client what is pending now, then remove it with status
     * {@link ClientStatus#FLUSHING}; at once when nothing is pending (docs/semantics.md A.2.7, as
     * multisocketsink's {@code remove-flush} without its quirk Q8).
     *
     * @param channel the client's channel.
     */
    public void removeFlush(final SocketChannel channel)
    {
        Objects.requireNonNull(channel, "channel");
        loop.remove(channel, true);
    }

    /** Any thread: remove every client with status {@link ClientStatus#REMOVED}, newest added first. */
    public void clear()
    {
        loop.clear();
    }

    /**
     * Any thread: run {@code filter} once per client on the selector thread; REMOVE removes the client
     * (status REMOVED), REF returns its channel.
     *
     * @param filter the decision per client.
     * @return the channels the filter answered REF for.
     * @throws RuntimeException what the filter threw (an Error is rethrown as it is, a checked
     *                          exception thrown sneakily arrives in an IllegalStateException): the
     *                          clients after the one it threw for are not filtered, those before
     *                          keep their outcome, and the sink keeps serving.
     */
    public List<SocketChannel> clientFilter(final ClientFilter filter)
    {
        Objects.requireNonNull(filter, "filter");
        return loop.clientFilter(filter);
    }

    /**
     * Any thread: add a listener; its callbacks run on the selector thread.
     *
     * @param listener the listener.
     */
    public void addListener(final SinkListener listener)
    {
        loop.addListener(Objects.requireNonNull(listener, "listener"));
    }

    /** Any thread: @param listener the listener to remove. */
    public void removeListener(final SinkListener listener)
    {
        loop.removeListener(listener);
    }

    /**
     * Any thread: a consistent snapshot of one client's statistics, as multisocketsink's
     * {@code get-stats}. Works inside clientRemoved, not after clientSocketRemoved.
     *
     * @param channel the client's channel.
     * @return the statistics, or null when the channel is not a client.
     */
    public ClientStats getStats(final SocketChannel channel)
    {
        return loop.clientStats(channel);
    }

    /** Any thread: @return a consistent snapshot of the sink's statistics. */
    public SinkStats stats()
    {
        return loop.sinkStats();
    }

    /**
     * Any thread: wait until every client has been handed (written to its socket) every buffer
     * rendered before this call, has left, or the timeout passed. Used at end of input.
     *
     * @param timeoutNs the longest wait in ns.
     * @return true when drained, false when the timeout passed first.
     * @throws InterruptedException when interrupted.
     */
    public boolean drain(final long timeoutNs) throws InterruptedException
    {
        return loop.drain(timeoutNs);
    }

    SinkProxy loop()
    {
        return loop;
    }

    private void checkRunning()
    {
        final int s = state;
        if (s != 1)
        {
            throw new IllegalStateException(s == 0 ? "sink is not started" : "sink is closed");
        }
    }
}
