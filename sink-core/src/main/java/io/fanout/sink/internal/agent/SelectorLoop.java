package io.fanout.sink.internal.agent;

import io.fanout.sink.internal.ring.RingQueueView;
import io.fanout.sink.ClientFilter;
import io.fanout.sink.ClientStats;
import io.fanout.sink.ClientStatus;
import io.fanout.sink.FilterResult;
import io.fanout.sink.SinkConfig;
import io.fanout.sink.SinkListener;
import io.fanout.sink.SinkStats;
import io.fanout.sink.SyncMethod;
import io.fanout.sink.UnitFormat;
import io.fanout.sink.internal.ring.BufferRing;
import io.fanout.sink.internal.ring.Streamheader;
import org.jctools.queues.atomic.MpscUnboundedAtomicArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The selector thread: owns every client, the retention window it publishes to the ring, and all
 * socket I/O; runs every callback.
 * <p>
 * <b>Threads.</b> {@link #run()} is the selector thread. {@link #submit}, the public request
 * methods ({@link #add}, {@link #remove}, ...) and {@link #wakeIfParked()} may be called from any
 * thread: requests become {@link Command}s on a JCTools MPSC queue, executed in order on the
 * selector thread; those that return something wait for it, bounded by {@link #CALL_TIMEOUT_NS}.
 * Called on the selector thread itself (from a callback) they run at once.
 * <p>
 * <b>Work per buffer.</b> Caught-up clients have no OP_WRITE interest and sit in one list; when the
 * ring's head moves the loop writes to each of them directly. A client whose socket filled up
 * moves to the lagging list and registers OP_WRITE; only lagging clients are checked against the
 * ring's tail. Each write is one gathering {@code write(ByteBuffer[])} of as many consecutive ring
 * buffers as are ready, through the ring's shared direct buffers: nothing is copied per client and
 * nothing is allocated per write.
 * <p>
 * <b>Wake-ups.</b> With nothing to do the loop spins briefly, then yields, then parks in
 * {@code select(timeout)} with {@code parked} set; the producer and command submitters call
 * {@link Selector#wakeup()} only when they see {@code parked} (a Dekker pair: a volatile store of
 * {@code parked} then a volatile load of the ring's head and the queue, against the producer's
 * volatile store of head then volatile load of {@code parked}).
 */
public final class SelectorLoop implements Runnable
{
    /** How long a call that returns something waits for the selector thread: 10 s. */
    public static final long CALL_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    private static final Logger LOG = LoggerFactory.getLogger(SelectorLoop.class);
    private static final int READ_BUDGET_BYTES = 256 * 1024;
    private static final long SELECT_TIMEOUT_MS = 100;
    /** How often clients are checked for a channel closed behind the sink's back: 100 ms. */
    private static final long SWEEP_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int SPIN_LIMIT = 100;
    private static final int YIELD_LIMIT = 120;
    /**
     * Most bytes one client is handed per turn (a round of caught-up clients, or one OP_WRITE
     * readiness) before the next client's turn: round-robin fairness under load.
     */
    static final long WRITE_QUANTUM_BYTES = 256 * 1024;
    /** Rounds of writes shorter than this are not delayed: 1 ms (about 300 caught-up clients on loopback). */
    static final long LINGER_MIN_ROUND_NS = 1_000_000;
    /** The longest a round waits for more buffers: 5 ms. */
    static final long MAX_LINGER_NS = 5_000_000;

    private static final int CAUGHT_UP = 0;
    private static final int BLOCKED = 1;
    /** Removed, or back to waiting for a keyframe: not for {@link #place}. */
    private static final int GONE = 2;
    /** Its socket takes more, but its turn (the write quantum) is over. */
    private static final int READY = 3;

    private final BufferRing ring;
    private final SinkConfig config;
    private final Selector selector;
    private final MpscUnboundedAtomicArrayQueue<Command> commands = new MpscUnboundedAtomicArrayQueue<>(256);
    private final AtomicInteger pendingAdds = new AtomicInteger();
    private final AtomicInteger submitting = new AtomicInteger();
    private final Listeners listeners = new Listeners();
    private final LinkedHashMap<SocketChannel, Client> clients = new LinkedHashMap<>();
    private final ClientList caughtUp = new ClientList();
    private final ClientList lagging = new ClientList();
    /**
     * Clients with data pending whose socket still takes more, but whose turn is over: served one
     * turn each per loop iteration, round-robin. Not lagging (their socket is not full): no
     * OP_WRITE and no lag limits, but retention and drain count them as lagging ones.
     */
    private final ClientList ready = new ClientList();
    /** New clients and clients waiting for a keyframe: nothing to send yet. */
    private final ClientList pending = new ClientList();
    private final SyncEngine sync;
    private final RingQueueView view;
    private final LagLimits limits;
    private final StartPositions positions;
    private final List<DrainWaiter> drainWaiters = new ArrayList<>();
    private final GatherWriter writer;
    private final ByteBuffer readScratch = ByteBuffer.allocateDirect(64 * 1024);
    private final Consumer<SelectionKey> onKey = this::onKey;
    private final WallClock wallClock = new WallClock();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    /** Listening channels (selector thread). */
    private final List<Acceptor> acceptors = new ArrayList<>();

    private volatile boolean parked;
    private volatile boolean running = true;
    private volatile Thread thread;

    // selector-thread state
    private long lastHead = -1;
    /** Oldest sequence of the retained window (§4.3) as last computed; for retention and statistics. */
    private long retainedOldest;
    private long windowOldestAtHead;
    private final long selectTimeoutMs;
    private long nowMonoNs;
    private int idleCount;
    private int pausedAcceptors;
    private long lastSweepMonoNs;
    /** Set at shutdown: the queue was released, statistics report nothing queued. */
    private boolean released;
    /** New buffers are published that the caught-up clients have not been written yet. */
    private boolean roundPending;
    private long roundPendingSinceNs;
    /** How long a round waits for more buffers, from the duration of the last round. */
    private long lingerNs;
    /** The head when the caught-up clients were last written: they need nothing older than the next. */
    private long servedThrough = -1;
    private long bytesServed;
    private long clientsAdded;
    private long clientsLapped;
    private final long[] removedByStatus = new long[ClientStatus.values().length];

    /**
     * @param ring   the ring the producer publishes into.
     * @param config the sink's configuration.
     * @throws IOException when no selector can be opened.
     */
    public SelectorLoop(final BufferRing ring, final SinkConfig config) throws IOException
    {
        this.ring = ring;
        this.config = config;
        this.selector = Selector.open();
        this.writer = new GatherWriter(ring);
        this.sync = new SyncEngine(config);
        this.view = new RingQueueView(ring);
        this.positions = new StartPositions(ring, sync, lagging, ready, new StartPositions.Outcomes()
        {
            @Override
            public void lapped(final Client client)
            {
                SelectorLoop.this.lapped(client);
            }

            @Override
            public void startAt(final Client client, final long seq, final long decidedAt)
            {
                SelectorLoop.this.startAt(client, seq, decidedAt);
            }
        });
        this.limits = new LagLimits(ring, config, sync, new LagLimits.Outcomes()
        {
            @Override
            public void lapped(final Client client)
            {
                SelectorLoop.this.lapped(client);
            }

            @Override
            public void removeSlow(final Client client)
            {
                removeClient(client, ClientStatus.SLOW);
            }

            @Override
            public void toWaiting(final Client client, final long fromSeq)
            {
                SelectorLoop.this.toWaiting(client, fromSeq);
            }
        });
        final long timeoutMs = config.timeoutNs() / 1_000_000L;
        this.selectTimeoutMs = config.timeoutNs() > 0 ? Math.max(1, Math.min(SELECT_TIMEOUT_MS, timeoutMs / 4)) :
            SELECT_TIMEOUT_MS;
    }

    // ------------------------------------------------------------------------------------------
    // any thread
    // ------------------------------------------------------------------------------------------

    /** Any thread: @param listener added to the callbacks. */
    public void addListener(final SinkListener listener)
    {
        listeners.add(listener);
    }

    /** Any thread: @param listener removed from the callbacks. */
    public void removeListener(final SinkListener listener)
    {
        listeners.remove(listener);
    }

    /** Any thread: wake the selector thread if, and only if, it is parked in select. */
    public void wakeIfParked()
    {
        if (parked)
        {
            selector.wakeup();
        }
    }

    /** Any thread: @return true while the selector thread has not stopped. */
    public boolean isRunning()
    {
        return running;
    }

    /** @return true when the caller is the selector thread. */
    public boolean onLoopThread()
    {
        return Thread.currentThread() == thread;
    }

    /**
     * Any thread: queue an add; the client waits for the first buffer published after this call.
     *
     * @param channel        a connected channel.
     * @param syncMethod     its sync method.
     * @param burstMinFormat unit of the burst minimum.
     * @param burstMinValue  burst minimum.
     * @param burstMaxFormat unit of the burst maximum.
     * @param burstMaxValue  burst maximum, -1 for none.
     */
    public void add(
        final SocketChannel channel,
        final SyncMethod syncMethod,
        final UnitFormat burstMinFormat,
        final long burstMinValue,
        final UnitFormat burstMaxFormat,
        final long burstMaxValue)
    {
        // the count goes up before head is read: the loop will not publish a retention past it
        pendingAdds.incrementAndGet();
        final long addSeq = ring.head();
        submit(new Command()
        {
            void execute(final SelectorLoop loop)
            {
                pendingAdds.decrementAndGet();
                addOnLoop(channel, false, syncMethod, burstMinFormat, burstMinValue, burstMaxFormat, burstMaxValue,
                    addSeq);
            }

            void abandon()
            {
                pendingAdds.decrementAndGet();
            }
        });
    }

    /**
     * Any thread: queue a remove ({@code flush == false}, status REMOVED) or a remove-flush.
     *
     * @param channel the client's channel.
     * @param flush   true to send what is pending first (semantics A.2.7).
     */
    public void remove(final SocketChannel channel, final boolean flush)
    {
        final long flushSeq = ring.head();
        submit(new Command()
        {
            void execute(final SelectorLoop loop)
            {
                removeOnLoop(channel, flush, flushSeq);
            }
        });
    }

    /**
     * Any thread: release the selector of a loop that was never started; afterwards every request
     * is abandoned.
     */
    public void closeUnstarted()
    {
        if (thread == null)
        {
            running = false;
            try
            {
                selector.close();
            }
            catch (final IOException ex)
            {
                LOG.debug("closing the selector failed", ex);
            }
            stopped.complete(null);
        }
    }

    /** Any thread: queue the removal of every client with status REMOVED. */
    public void clear()
    {
        submit(new Command()
        {
            void execute(final SelectorLoop loop)
            {
                clearOnLoop(ClientStatus.REMOVED);
            }
        });
    }

    /**
     * Any thread: a snapshot of one client's statistics.
     *
     * @param channel the client's channel.
     * @return its statistics, or null when it is not a client.
     */
    public ClientStats clientStats(final SocketChannel channel)
    {
        return call(() -> clientStatsOnLoop(channel), () -> null);
    }

    /** Any thread: @return a snapshot of the sink's statistics. */
    public SinkStats sinkStats()
    {
        return call(this::sinkStatsOnLoop, this::sinkStatsOnLoop);
    }

    /**
     * Any thread: run {@code filter} over every client, removing (REMOVED) those it says REMOVE.
     *
     * @param filter the decision per client.
     * @return the channels the filter said REF to.
     */
    public List<SocketChannel> clientFilter(final ClientFilter filter)
    {
        return call(() -> clientFilterOnLoop(filter), Collections::emptyList);
    }

    /**
     * Any thread: waits until every client has been handed every buffer published before this call
     * (written to its socket), or it left, or the timeout passed.
     *
     * @param timeoutNs how long to wait, in ns.
     * @return true when drained, false on timeout.
     * @throws InterruptedException when interrupted while waiting.
     */
    public boolean drain(final long timeoutNs) throws InterruptedException
    {
        final long target = ring.head();
        final CompletableFuture<Boolean> done = new CompletableFuture<>();
        submit(new Command()
        {
            void execute(final SelectorLoop loop)
            {
                drainWaiters.add(new DrainWaiter(target, done));
            }

            void abandon()
            {
                done.complete(Boolean.TRUE);
            }
        });
        try
        {
            return done.get(timeoutNs, TimeUnit.NANOSECONDS);
        }
        catch (final TimeoutException ex)
        {
            return false;
        }
        catch (final ExecutionException ex)
        {
            throw new IllegalStateException(ex.getCause());
        }
    }

    /**
     * Any thread: register a listening channel whose connections {@code handler} accepts on the
     * selector thread. When the handler reports a failed accept, accepting pauses briefly
     * ({@link AcceptBackoff}).
     *
     * @param server  a bound listening channel.
     * @param handler what to do when it is acceptable.
     */
    public void registerAcceptor(final ServerSocketChannel server, final AcceptHandler handler)
    {
        call(() ->
        {
            try
            {
                server.configureBlocking(false);
                final Acceptor acceptor = new Acceptor(handler, new AcceptBackoff(LOG, "tcp", server));
                acceptor.key = server.register(selector, SelectionKey.OP_ACCEPT, acceptor);
                acceptors.add(acceptor);
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException("cannot register the listening socket", ex);
            }
            return null;
        }, () -> null);
    }

    /**
     * Any thread: stop the loop; every client is removed with status REMOVED. Waits for the
     * selector thread to end (bounded) unless called on it. Idempotent.
     */
    public void stop()
    {
        if (!running)
        {
            awaitStopped();
            return;
        }
        submit(new Command()
        {
            void execute(final SelectorLoop loop)
            {
                running = false;
            }
        });
        awaitStopped();
    }

    private void awaitStopped()
    {
        if (onLoopThread() || thread == null)
        {
            return;
        }
        try
        {
            stopped.get(CALL_TIMEOUT_NS, TimeUnit.NANOSECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final ExecutionException | TimeoutException ex)
        {
            LOG.warn("selector thread did not stop in time", ex);
        }
    }

    /**
     * Any thread: queue a command and wake the loop. A command submitted once the loop has stopped
     * is abandoned at once; {@code submitting} closes the race with the loop's last drain (the
     * loop clears {@code running}, then waits for {@code submitting} to reach 0, then drains).
     */
    void submit(final Command command)
    {
        submitting.incrementAndGet();
        try
        {
            if (!running)
            {
                command.abandon();
                return;
            }
            commands.offer(command);
        }
        finally
        {
            submitting.decrementAndGet();
        }
        wakeIfParked();
    }

    private <T> T call(final java.util.function.Supplier<T> onLoop, final java.util.function.Supplier<T> whenStopped)
    {
        if (onLoopThread())
        {
            return onLoop.get();
        }
        if (thread == null || !running)
        {
            if (!running)
            {
                awaitStopped(); // the loop's state is final once it has stopped
            }
            return whenStopped.get();
        }
        final CompletableFuture<T> result = new CompletableFuture<>();
        submit(new Command()
        {
            void execute(final SelectorLoop loop)
            {
                try
                {
                    result.complete(onLoop.get());
                }
                catch (final Throwable ex) // a ClientFilter's: the caller gets it, the loop goes on
                {
                    Listeners.rethrowIfFatal(ex);
                    result.completeExceptionally(ex);
                }
            }

            void abandon()
            {
                result.complete(whenStopped.get());
            }
        });
        try
        {
            return result.get(CALL_TIMEOUT_NS, TimeUnit.NANOSECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the selector thread", ex);
        }
        catch (final TimeoutException ex)
        {
            throw new IllegalStateException("the selector thread did not answer in time", ex);
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof RuntimeException)
            {
                throw (RuntimeException)ex.getCause();
            }
            if (ex.getCause() instanceof Error)
            {
                throw (Error)ex.getCause();
            }
            throw new IllegalStateException(ex.getCause());
        }
    }

    // ------------------------------------------------------------------------------------------
    // the selector thread
    // ------------------------------------------------------------------------------------------

    /**
     * Any thread, once: start the selector thread.
     *
     * @param name the thread's name.
     */
    public void start(final String name)
    {
        final Thread t = new Thread(this, name);
        thread = t;
        t.start();
    }

    /** The selector thread's body: runs until {@link #stop()}. */
    @Override
    public void run()
    {
        try
        {
            while (running)
            {
                try
                {
                    doWork();
                }
                catch (final IOException | RuntimeException ex)
                {
                    LOG.error("selector loop iteration failed; continuing", ex);
                }
            }
        }
        finally
        {
            shutdown();
        }
    }

    private void doWork() throws IOException
    {
        nowMonoNs = System.nanoTime();
        int work = drainCommands();
        final long head = ring.head();
        if (head != lastHead)
        {
            lastHead = head;
            work++;
            positionPending();
            if (!roundPending)
            {
                roundPending = true;
                roundPendingSinceNs = nowMonoNs;
            }
            if (nowMonoNs - roundPendingSinceNs >= lingerNs)
            {
                serveRound();
            }
            limits.check(lagging, lastHead);
            computeRetention();
        }
        else if (roundPending && nowMonoNs - roundPendingSinceNs >= lingerNs)
        {
            work++;
            serveRound();
        }
        if (ready.size() > 0)
        {
            work++;
            serveEach(ready);
        }
        if (config.timeoutNs() > 0)
        {
            limits.checkTimeouts(lagging, nowMonoNs);
        }
        if (nowMonoNs - lastSweepMonoNs >= SWEEP_INTERVAL_NS)
        {
            lastSweepMonoNs = nowMonoNs;
            sweepClosedChannels();
        }
        if (pausedAcceptors > 0)
        {
            resumeAcceptors();
        }
        work += selector.selectNow(onKey);
        publishRetention();
        if (!drainWaiters.isEmpty())
        {
            completeDrains();
        }
        if (work > 0)
        {
            idleCount = 0;
        }
        else
        {
            idle();
        }
    }

    private void idle() throws IOException
    {
        idleCount++;
        if (idleCount <= SPIN_LIMIT)
        {
            Thread.onSpinWait();
        }
        else if (idleCount <= YIELD_LIMIT)
        {
            Thread.yield();
        }
        else
        {
            parked = true;
            try
            {
                // volatile store of parked, then volatile loads: see the class Javadoc
                if (ring.head() == lastHead && commands.isEmpty() && running)
                {
                    long timeoutMs = pausedAcceptors > 0 ?
                        Math.min(selectTimeoutMs, TimeUnit.NANOSECONDS.toMillis(AcceptBackoff.PAUSE_NS)) : selectTimeoutMs;
                    if (roundPending)
                    {
                        final long leftNs = lingerNs - (System.nanoTime() - roundPendingSinceNs);
                        timeoutMs = Math.max(1, Math.min(timeoutMs, (leftNs + 999_999) / 1_000_000));
                    }
                    selector.select(onKey, timeoutMs);
                }
            }
            finally
            {
                parked = false;
            }
            idleCount = 0;
        }
    }

    private int drainCommands()
    {
        int n = 0;
        Command command;
        while ((command = commands.poll()) != null)
        {
            n++;
            try
            {
                command.execute(this);
            }
            catch (final Exception ex) // a checked one too, thrown sneakily by application code
            {
                LOG.error("command failed", ex);
            }
        }
        return n;
    }

    /**
     * One round of writes to the caught-up clients, timed: when a round takes long (many clients,
     * one system call each), the next round waits up to twice that long for more buffers, so that
     * each client's gathering write carries several buffers instead of one. System calls per byte
     * then fall as the fan-out grows, and the added delay stays within about two rounds, which
     * the last client of a round waits anyway. With few clients (rounds under
     * {@link #LINGER_MIN_ROUND_NS}) every buffer is written as soon as it is seen.
     */
    private void serveRound()
    {
        final long start = System.nanoTime();
        servedThrough = lastHead;
        serveEach(caughtUp);
        final long roundNs = System.nanoTime() - start;
        roundPending = false;
        lingerNs = roundNs >= LINGER_MIN_ROUND_NS ? Math.min(MAX_LINGER_NS, 2 * roundNs) : 0;
    }

    /** One turn for each client of {@code list} (the ready or the caught-up clients). */
    private void serveEach(final ClientList list)
    {
        for (int i = list.size() - 1; i >= 0; i--)
        {
            if (i >= list.size())
            {
                continue;
            }
            final Client client = list.get(i);
            place(client, serve(client));
        }
    }

    /** New and waiting clients: decide where each starts, now that new buffers exist. */
    private void positionPending()
    {
        for (int i = pending.size() - 1; i >= 0; i--)
        {
            if (i < pending.size())
            {
                positions.position(pending.get(i));
            }
        }
    }

    /**
     * @param seq       the first sequence to send.
     * @param decidedAt the sequence on whose arrival the start was decided: lag limits count the
     *                  buffers after it.
     */
    private void startAt(final Client client, final long seq, final long decidedAt)
    {
        pending.remove(client);
        client.state = Client.STREAMING;
        client.next = seq;
        client.offset = 0;
        client.limitsFromSeq = decidedAt + 1;
        place(client, serve(client));
    }

    private void toWaiting(final Client client, final long fromSeq)
    {
        if (client.list != null)
        {
            client.list.remove(client);
        }
        client.state = Client.WAITING_KEYFRAME;
        client.waitFromSeq = fromSeq;
        client.jumpMode = Client.JUMP_NONE;
        pending.add(client);
        setInterest(client, readInterest(client));
    }

    /** Once per new head: what minimum retention and the keyframe rule keep (§4.3 (b), (c)). */
    private void computeRetention()
    {
        final long head = lastHead;
        final long tail = ring.tail();
        if (tail > head)
        {
            return;
        }
        final int index = sync.retentionIndex(view.over(tail, head));
        if (ring.validate(tail))
        {
            windowOldestAtHead = head - index;
        }
        else
        {
            windowOldestAtHead = Math.min(windowOldestAtHead, head); // torn read: keep what was kept
        }
    }

    /**
     * Publish the oldest sequence anyone needs: the retained window (§4.3) and lagging clients.
     * While an add is between its read of the head and its execution here, retention does not move
     * (the add may need older data).
     */
    private void publishRetention()
    {
        if (lastHead < 0)
        {
            return;
        }
        long oldest = windowOldestAtHead;
        if (roundPending && caughtUp.size() > 0)
        {
            oldest = Math.min(oldest, servedThrough + 1); // caught-up clients wait for this round
        }
        for (int i = 0, n = lagging.size(); i < n; i++)
        {
            oldest = Math.min(oldest, lagging.get(i).next);
        }
        for (int i = 0, n = ready.size(); i < n; i++)
        {
            oldest = Math.min(oldest, ready.get(i).next);
        }
        retainedOldest = oldest;
        if (pendingAdds.get() == 0)
        {
            ring.retain(oldest);
        }
    }

    private void completeDrains()
    {
        for (int i = drainWaiters.size() - 1; i >= 0; i--)
        {
            final DrainWaiter waiter = drainWaiters.get(i);
            if (isDrained(waiter.targetSeq))
            {
                drainWaiters.remove(i);
                waiter.done.complete(Boolean.TRUE);
            }
        }
    }

    private boolean isDrained(final long targetSeq)
    {
        if (lastHead < targetSeq || roundPending)
        {
            return false;
        }
        for (int i = 0, n = lagging.size(); i < n; i++)
        {
            if (lagging.get(i).next <= targetSeq)
            {
                return false;
            }
        }
        for (int i = 0, n = ready.size(); i < n; i++)
        {
            if (ready.get(i).next <= targetSeq)
            {
                return false;
            }
        }
        return true;
    }

    private void onKey(final SelectionKey key)
    {
        final Object attachment = key.attachment();
        if (attachment instanceof Client)
        {
            final Client client = (Client)attachment;
            if (!key.isValid() || client.removing)
            {
                return;
            }
            final int ready = key.readyOps();
            if ((ready & SelectionKey.OP_READ) != 0 && !readInput(client))
            {
                return;
            }
            if ((ready & SelectionKey.OP_WRITE) != 0 && key.isValid())
            {
                place(client, serve(client));
            }
        }
        else if (attachment instanceof Acceptor && key.isValid() && key.isAcceptable())
        {
            accept((Acceptor)attachment);
        }
    }

    private void accept(final Acceptor acceptor)
    {
        try
        {
            acceptor.handler.onAcceptable((ServerSocketChannel)acceptor.key.channel(), this);
            acceptor.backoff.succeeded(nowMonoNs);
        }
        catch (final IOException ex)
        {
            if (!acceptor.backoff.paused())
            {
                pausedAcceptors++;
            }
            acceptor.backoff.failed(acceptor.key, ex, nowMonoNs);
        }
    }

    /** Accepting paused after a failure (A.2.10) resumes once the pause is over. */
    private void resumeAcceptors()
    {
        for (int i = 0, n = acceptors.size(); i < n; i++)
        {
            final Acceptor acceptor = acceptors.get(i);
            if (acceptor.backoff.paused() && acceptor.backoff.tick(acceptor.key, nowMonoNs) == 0)
            {
                pausedAcceptors--;
                // one accept round now: it ends the burst when the backlog is empty, even if no
                // new connection ever makes the key acceptable again
                accept(acceptor);
            }
        }
    }

    /**
     * A.2.6: a channel the application closed behind the sink's back is the peer gone (CLOSED).
     * Closing a channel cancels its key, so a client waiting for OP_WRITE would never hear of it
     * (nor would a caught-up or waiting one on a quiet stream): every client is checked here, at
     * most {@link #SWEEP_INTERVAL_NS} after the close. No allocation.
     */
    private void sweepClosedChannels()
    {
        sweepClosedChannels(lagging);
        sweepClosedChannels(caughtUp);
        sweepClosedChannels(pending);
    }

    private void sweepClosedChannels(final ClientList list)
    {
        for (int i = list.size() - 1; i >= 0; i--)
        {
            if (i < list.size())
            {
                final Client client = list.get(i);
                if (!client.key.isValid())
                {
                    removeClient(client, ClientStatus.CLOSED);
                }
            }
        }
    }

    /**
     * Selector thread: add a client (also used by acceptors).
     *
     * @param channel        a connected channel.
     * @param ownsChannel    true when the sink closes the channel on removal (tcpserversink).
     * @param syncMethod     its sync method.
     * @param burstMinFormat unit of the burst minimum.
     * @param burstMinValue  burst minimum.
     * @param burstMaxFormat unit of the burst maximum.
     * @param burstMaxValue  burst maximum, -1 for none.
     * @param addSeq         the ring head when the add was requested.
     */
    public void addOnLoop(
        final SocketChannel channel,
        final boolean ownsChannel,
        final SyncMethod syncMethod,
        final UnitFormat burstMinFormat,
        final long burstMinValue,
        final UnitFormat burstMaxFormat,
        final long burstMaxValue,
        final long addSeq)
    {
        if (clients.containsKey(channel))
        {
            removedByStatus[ClientStatus.DUPLICATE.ordinal()]++;
            listeners.clientRemoved(channel, ClientStatus.DUPLICATE);
            return;
        }
        final long now = System.nanoTime();
        final Client client = new Client(channel, ownsChannel, syncMethod, burstMinFormat, burstMinValue,
            burstMaxFormat, burstMaxValue, addSeq, wallClock.wallNs(now), now);
        clients.put(channel, client);
        clientsAdded++;
        sync.clientAdded(client);
        Exception failure = null;
        try
        {
            channel.configureBlocking(false);
            applyQos(channel);
            final SelectionKey stale = channel.keyFor(selector);
            if (stale != null && !stale.isValid())
            {
                selector.selectNow(); // flush the cancelled key of an earlier add of this channel
            }
            client.key = channel.register(selector, SelectionKey.OP_READ, client);
        }
        catch (final IOException | RuntimeException ex)
        {
            failure = ex;
        }
        listeners.clientAdded(channel);
        if (failure != null)
        {
            fail(client, failure);
            return;
        }
        if (client.removing)
        {
            return;
        }
        pending.add(client);
        positions.position(client);
    }

    /** @return the ring head when the caller last looked: for acceptors adding on the loop. */
    public long currentHead()
    {
        return ring.head();
    }

    /** Selector thread: @return the number of clients. */
    public int clientCount()
    {
        return clients.size();
    }

    private void applyQos(final SocketChannel channel) throws IOException
    {
        final int dscp = config.qosDscp();
        if (dscp < 0)
        {
            return;
        }
        try
        {
            // the DSCP is the upper six bits of the TOS byte; on an IPv6 socket the JDK sets IPV6_TCLASS
            channel.setOption(StandardSocketOptions.IP_TOS, dscp << 2);
        }
        catch (final UnsupportedOperationException ex)
        {
            LOG.debug("qos-dscp not supported on {}", channel, ex);
        }
    }

    private void removeOnLoop(final SocketChannel channel, final boolean flush, final long flushSeq)
    {
        final Client client = clients.get(channel);
        if (client == null || client.removing)
        {
            LOG.debug("remove of a channel that is not a client: {}", channel);
            return;
        }
        if (!flush)
        {
            removeClient(client, ClientStatus.REMOVED); // also cuts a flush short (A.2.7)
            return;
        }
        if (client.status == ClientStatus.FLUSHING)
        {
            // §2.4: remove-flush is accepted only from status OK; a repeated one changes nothing
            LOG.debug("remove-flush of a client already flushing: {}", channel);
            return;
        }
        if (client.state != Client.STREAMING)
        {
            positions.position(client); // buffers rendered before the call may already give it a start
            if (client.removing)
            {
                return;
            }
        }
        client.status = ClientStatus.FLUSHING;
        client.flushSeq = Math.max(flushSeq, client.next - 1);
        if (client.state != Client.STREAMING || (!client.midBuffer() && client.next > flushSeq))
        {
            removeClient(client, ClientStatus.FLUSHING); // nothing pending: at once (A.2.7)
        }
    }

    private void clearOnLoop(final ClientStatus status)
    {
        final Client[] all = clients.values().toArray(new Client[0]);
        for (int i = all.length - 1; i >= 0; i--) // newest added first, as multihandlesink's clear
        {
            removeClient(all[i], status);
        }
    }

    private ClientStats clientStatsOnLoop(final SocketChannel channel)
    {
        final Client client = clients.get(channel);
        return client == null ? null : snapshot(client);
    }

    private ClientStats snapshot(final Client client)
    {
        return Snapshots.client(ring, client);
    }

    private SinkStats sinkStatsOnLoop()
    {
        return Snapshots.sink(ring, released ? Snapshots.RELEASED : retainedOldest, clients.size(), bytesServed,
            clientsAdded, removedByStatus, clientsLapped, lagging.size());
    }

    private List<SocketChannel> clientFilterOnLoop(final ClientFilter filter)
    {
        final List<SocketChannel> refs = new ArrayList<>();
        for (final Client client : clients.values().toArray(new Client[0]))
        {
            if (client.removing)
            {
                continue;
            }
            final FilterResult result = filter.filter(client.channel, snapshot(client));
            if (result == FilterResult.REMOVE)
            {
                removeClient(client, ClientStatus.REMOVED);
            }
            else if (result == FilterResult.REF)
            {
                refs.add(client.channel);
            }
        }
        return refs;
    }

    /**
     * Writes to {@code client} until it is caught up, its socket is full, or it is gone.
     *
     * @return CAUGHT_UP, BLOCKED or GONE.
     */
    private int serve(final Client client)
    {
        long quantum = WRITE_QUANTUM_BYTES;
        while (true)
        {
            if (quantum <= 0)
            {
                // its turn is over: the others get theirs first, and it gets its next turn in the
                // next loop iteration (the ready list); without this, one client whose socket
                // takes megabytes (loopback windows grow to tens of MiB) is served for as long as
                // its socket takes data while every other client waits for its first byte
                return READY;
            }
            if (client.jumpMode != Client.JUMP_NONE && !client.midBuffer())
            {
                if (client.jumpMode == Client.JUMP_WAIT_KEYFRAME)
                {
                    toWaiting(client, client.jumpSeq);
                    positions.position(client); // the keyframe it waits for may be queued already
                    return GONE;
                }
                client.next = Math.max(client.next, client.jumpSeq);
                client.jumpMode = Client.JUMP_NONE;
            }
            // the head as this loop iteration saw it, not a fresh volatile read per client: the
            // producer's head (and tail) cache line is written on every render, and re-reading it
            // once per client made the producer's render 1.5 times slower with 1,000 clients
            final long lastSeq = client.jumpMode != Client.JUMP_NONE ? client.next : Math.min(lastHead, client.flushSeq);
            if (client.headerInFlight == null)
            {
                if (client.next > lastSeq)
                {
                    return CAUGHT_UP;
                }
                if (client.offset == 0 && (!client.headerRecorded || ring.streamheader(client.next) != client.recordedHeader))
                {
                    final Streamheader header = ring.streamheader(client.next);
                    if (!ring.validate(client.next))
                    {
                        lapped(client);
                        return GONE;
                    }
                    chooseStreamheader(client, header);
                }
            }
            final long written;
            try
            {
                written = client.headerInFlight != null ? writer.writeHeader(client) : writer.write(client, lastSeq, quantum);
            }
            catch (final IOException | RuntimeException ex)
            {
                fail(client, ex); // a RuntimeException (NotYetConnectedException, ...) fails this client only
                return GONE;
            }
            if (written == GatherWriter.LAPPED)
            {
                lapped(client);
                return GONE;
            }
            if (written > 0)
            {
                quantum -= written;
                client.bytesSent += written;
                bytesServed += written;
                client.lastActivityMonoNs = nowMonoNs;
                client.lastActivityTimeNs = wallClock.wallNs(nowMonoNs);
            }
            if (client.status == ClientStatus.FLUSHING && !client.midBuffer() && client.next > client.flushSeq)
            {
                removeClient(client, ClientStatus.FLUSHING);
                return GONE;
            }
            if (written < writer.batchBytes())
            {
                return BLOCKED;
            }
        }
    }

    /**
     * Before the client takes a buffer published under {@code header} (§7 with A.2.4): its first
     * buffer gets the header; after a change, the new header goes out when the client had none,
     * or with resend-streamheader when the two differ.
     */
    private void chooseStreamheader(final Client client, final Streamheader header)
    {
        final Streamheader previous = client.recordedHeader;
        final boolean first = !client.headerRecorded;
        client.headerRecorded = true;
        client.recordedHeader = header;
        if (header == null || header.isEmpty())
        {
            return;
        }
        if (first || previous == null || previous.isEmpty() ||
            (config.resendStreamheader() && !previous.sameContent(header)))
        {
            client.headerInFlight = header;
            client.headerIndex = 0;
            client.headerOffset = 0;
        }
    }

    private void place(final Client client, final int result)
    {
        if (result == GONE || client.removing)
        {
            return;
        }
        if (result == CAUGHT_UP)
        {
            if (client.list != caughtUp)
            {
                caughtUp.add(client);
                setInterest(client, readInterest(client));
            }
        }
        else if (result == READY)
        {
            if (client.list != ready)
            {
                final boolean wasLagging = client.list == lagging;
                ready.add(client);
                if (wasLagging)
                {
                    setInterest(client, readInterest(client));
                }
            }
        }
        else if (client.list != lagging)
        {
            lagging.add(client);
            client.pendingSinceMonoNs = nowMonoNs;
            setInterest(client, readInterest(client) | SelectionKey.OP_WRITE);
        }
    }

    private static int readInterest(final Client client)
    {
        return client.inputShutdown ? 0 : SelectionKey.OP_READ;
    }

    private void setInterest(final Client client, final int ops)
    {
        try
        {
            client.key.interestOps(ops);
        }
        catch (final CancelledKeyException ex)
        {
            removeClient(client, ClientStatus.CLOSED); // the channel was closed behind the sink's back
        }
    }

    private boolean readInput(final Client client)
    {
        int budget = READ_BUDGET_BYTES;
        try
        {
            while (budget > 0)
            {
                readScratch.clear();
                final int n = client.channel.read(readScratch);
                if (n > 0)
                {
                    client.bytesReceived += n;
                    budget -= n;
                }
                else if (n == 0)
                {
                    break;
                }
                else
                {
                    // half-close (A.2.6): stop reading, keep serving
                    client.inputShutdown = true;
                    client.key.interestOps(client.key.interestOps() & ~SelectionKey.OP_READ);
                    break;
                }
            }
            return true;
        }
        catch (final IOException | RuntimeException ex)
        {
            fail(client, ex);
            return false;
        }
    }

    private void lapped(final Client client)
    {
        clientsLapped++;
        removeClient(client, ClientStatus.SLOW);
    }

    private void fail(final Client client, final Exception ex)
    {
        final ClientStatus status =
            ex instanceof IOException && isPeerGone((IOException)ex) ? ClientStatus.CLOSED : ClientStatus.ERROR;
        LOG.debug("client {} removed {}: {}", client.channel, status, ex.toString());
        removeClient(client, status);
    }

    /**
     * Semantics A.2.6: a reset, a broken pipe, or a channel closed behind the sink's back is the
     * peer gone (CLOSED); anything else is ERROR.
     */
    static boolean isPeerGone(final IOException ex)
    {
        if (ex instanceof ClosedChannelException)
        {
            return true;
        }
        final String message = ex.getMessage();
        return message != null &&
            (message.contains("Connection reset") || message.contains("Broken pipe") ||
            message.contains("connection was aborted") || message.contains("Connection aborted"));
    }

    /** Selector thread: the removal procedure of semantics §2.10, with the callbacks in order. */
    private void removeClient(final Client client, final ClientStatus status)
    {
        if (client.removing)
        {
            return;
        }
        client.removing = true;
        client.status = status;
        if (client.key != null)
        {
            client.key.cancel();
        }
        if (client.list != null)
        {
            client.list.remove(client);
        }
        client.disconnectMonoNs = System.nanoTime();
        client.disconnectTimeNs = wallClock.wallNs(client.disconnectMonoNs);
        removedByStatus[status.ordinal()]++;
        sync.clientRemoved(client);
        listeners.clientRemoved(client.channel, status);
        clients.remove(client.channel);
        if (client.ownsChannel)
        {
            try
            {
                client.channel.close();
            }
            catch (final IOException ex)
            {
                LOG.debug("closing {} failed", client.channel, ex);
            }
        }
        listeners.clientSocketRemoved(client.channel);
    }

    private void shutdown()
    {
        running = false;
        try
        {
            while (submitting.get() != 0)
            {
                Thread.onSpinWait(); // a submit that saw running == true is finishing its offer
            }
            drainCommands(); // requests queued before the stop still run, in order
            clearOnLoop(ClientStatus.REMOVED);
            Command command;
            while ((command = commands.poll()) != null)
            {
                command.abandon();
            }
            for (final DrainWaiter waiter : drainWaiters)
            {
                waiter.done.complete(Boolean.TRUE);
            }
            drainWaiters.clear();
            ring.retain(Long.MAX_VALUE);
            ring.releaseReferences(); // the reader has stopped: a closed sink holds no rendered buffer
            released = true;
            try
            {
                selector.close();
            }
            catch (final IOException ex)
            {
                LOG.debug("closing the selector failed", ex);
            }
        }
        finally
        {
            stopped.complete(null);
        }
    }

    /** A listening channel: who accepts its connections, and its pause after a failed accept. */
    private static final class Acceptor
    {
        final AcceptHandler handler;
        final AcceptBackoff backoff;
        SelectionKey key;

        Acceptor(final AcceptHandler handler, final AcceptBackoff backoff)
        {
            this.handler = handler;
            this.backoff = backoff;
        }
    }

    private static final class DrainWaiter
    {
        final long targetSeq;
        final CompletableFuture<Boolean> done;

        DrainWaiter(final long targetSeq, final CompletableFuture<Boolean> done)
        {
            this.targetSeq = targetSeq;
            this.done = done;
        }
    }
}
