package io.fanout.sink.internal.agent;

import io.fanout.sink.ClientStatus;
import io.fanout.sink.ClientSync;
import io.fanout.sink.SinkConfig;
import io.fanout.sink.SinkStats;
import io.fanout.sink.internal.ring.BufferRing;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentTerminationException;
import org.jctools.queues.MessagePassingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The selector thread's agent: owns every client, the retention it publishes to the ring, and all
 * socket I/O; runs every callback (docs/design.md, "Structure"; docs/threading.md).
 * <p>
 * Its duty cycle ({@link #doWork()}) is short and returns a work count, as Aeron's agents do: run a
 * bounded number of commands; when the ring's head moved, position waiting clients, write a round
 * to the caught-up clients (or let them wait for more, {@link WriteRounds}), apply the lag limits to the
 * lagging clients and recompute the retained window; give each ready client a turn; expire
 * stalled clients; resume paused listeners; poll the selector without blocking; publish the
 * retention; complete drains. Between cycles with no work it idles through an Agrona
 * {@code IdleStrategy} ({@link WakeableIdle}), woken by the producer and by command submitters.
 * <p>
 * The parts decide and return values ({@link StartDecision}, {@link LagDecision},
 * {@link WriteOutcome}); this class carries them out: list moves, interest ops, removals.
 * Selector thread only, except where a method says otherwise.
 */
public final class SinkAgent implements Agent
{
    private static final Logger LOG = LoggerFactory.getLogger(SinkAgent.class);
    /** Most commands run per duty cycle: the rest wait for the next cycle, which comes at once. */
    static final int COMMAND_LIMIT = 64;
    /** How often clients are checked for a channel closed behind the sink's back: 100 ms. */
    static final long SWEEP_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private final String roleName;
    private final BufferRing ring;
    private final Selector selector;
    private final CommandQueue commands;
    private final ClientRegistry registry = new ClientRegistry();
    private final WallClock wallClock = new WallClock();
    private final AddressCounts addresses = new AddressCounts();
    private final StalledClients stalled;
    private final ClientLifecycle lifecycle;
    private final StartPositions positions;
    private final LagLimits limits;
    private final ClientWriter writer;
    private final InboundReader reader = new InboundReader();
    private final RetainedWindow window;
    private final DrainBarrier drains = new DrainBarrier();
    private final WriteRounds rounds;
    /** See {@link #wakeAtBytes()}: written by this thread, read by the producer. */
    private final WakeThreshold wakeAtBytes = new WakeThreshold();
    /** Bytes rendered through {@link #lastHead}. */
    private long lastHeadBytes;
    private final Acceptors acceptors = new Acceptors();
    private final Handshakes handshakes;
    private final AcceptedConnections accepted;
    private final ClientCommands clientCommands;
    private final Placement placement;
    private final MessagePassingQueue.Consumer<Command> runCommand = this::run;
    private final Consumer<SelectionKey> onKey = this::onKey;

    private long lastHead = -1;
    private long nowMonoNs;
    private long nowWallNs;
    private long lastSweepMonoNs;
    private boolean stopRequested;
    /** Set at shutdown: the queue was released, statistics report nothing queued. */
    private boolean released;

    SinkAgent(
        final String roleName,
        final BufferRing ring,
        final SinkConfig config,
        final Selector selector,
        final CommandQueue commands,
        final Listeners listeners)
    {
        this.roleName = roleName;
        this.ring = ring;
        // a round never waits for more than half the queue: the producer would release what it needs
        this.rounds = new WriteRounds(config.maxWriteDelayNs(),
            Math.min(config.writeBatchBytes(), Math.max(1, config.queueCapacityBytes() / 2)),
            Math.max(1, config.queueCapacityBuffers() / 2));
        this.selector = selector;
        this.commands = commands;
        final SyncEngine sync = new SyncEngine(config);
        this.stalled = new StalledClients(config.timeoutNs(), registry.lagging(), System.nanoTime());
        this.lifecycle = new ClientLifecycle(config, selector, registry, sync, stalled, listeners, wallClock,
            addresses);
        this.positions = new StartPositions(ring, sync, registry);
        this.limits = new LagLimits(ring, config, sync);
        this.writer = new ClientWriter(ring, config.resendStreamheader());
        this.window = new RetainedWindow(ring, sync);
        this.clientCommands = new ClientCommands(this, registry, lifecycle, ring);
        this.placement = new Placement(registry, lifecycle, stalled);
        this.handshakes = new Handshakes(selector, addresses);
        this.accepted = new AcceptedConnections(this, registry, handshakes, addresses);
    }

    @Override
    public String roleName()
    {
        return roleName;
    }

    /**
     * One duty cycle.
     *
     * @return the work done: 0 lets the idle strategy idle.
     * @throws IOException when polling the selector fails (logged; the next cycle goes on).
     */
    @Override
    public int doWork() throws IOException
    {
        nowMonoNs = System.nanoTime();
        nowWallNs = wallClock.wallNs(nowMonoNs);
        int work = commands.drain(runCommand, COMMAND_LIMIT);
        final long head = ring.head();
        if (head != lastHead)
        {
            final long previousHead = lastHead;
            lastHead = head;
            work++;
            final long bytes = bytesThrough(head);
            if (registry.caughtUp().size() > 0)
            {
                rounds.published(nowMonoNs, head, bytes, previousHead, lastHeadBytes); // before positioning
            }
            if (bytes != Long.MAX_VALUE)
            {
                lastHeadBytes = bytes; // else torn: the batch is due anyway, and the next head sets it
            }
            positionAll(registry.pending());
            if (roundDue())
            {
                serveRound();
            }
            applyLagLimits();
            window.headMoved(head);
        }
        else if (roundDue())
        {
            work++;
            serveRound();
        }
        if (registry.ready().size() > 0)
        {
            work++;
            serveEach(registry.ready());
        }
        work += removeStalled();
        if (nowMonoNs - lastSweepMonoNs >= SWEEP_INTERVAL_NS)
        {
            lastSweepMonoNs = nowMonoNs;
            lifecycle.sweepClosedChannels();
        }
        work += acceptors.resume(accepted, nowMonoNs);
        work += selector.selectNow(onKey);
        if (handshakes.count() > 0)
        {
            work += handshakes.expire(nowMonoNs, this);
        }
        publishRetention();
        updateWakeAtBytes();
        if (!drains.isEmpty())
        {
            drains.complete(lastHead, rounds.pending(), registry.oldestNeeded(Long.MAX_VALUE));
        }
        if (stopRequested)
        {
            throw new AgentTerminationException(true); // the runner stops and calls onClose
        }
        return work;
    }

    /**
     * Any thread, for the idle strategy's check after it marked the thread parked: is there input
     * that the last duty cycle has not seen (a new head, or a command)?
     */
    boolean hasInput()
    {
        final long head = ring.head();
        return !commands.isEmpty() || head != lastHead && (head < 0 || head >= wakeAtBytes.seq() || bytesThrough(head) >= wakeAtBytes.get());
    }

    /**
     * Any thread (the producer): the bytes published in all that make a new head worth waking this
     * thread for. While a round of writes waits for more buffers (and no client waits to be
     * positioned), that is the round's full batch; otherwise 0: any new buffer.
     */
    long wakeAtBytes()
    {
        return wakeAtBytes.get();
    }

    /** Any thread (the producer): the sequence that, published, is worth waking this thread for (a full batch of buffers). */
    long wakeAtSeq()
    {
        return wakeAtBytes.seq();
    }

    /** End of a duty cycle: what the next new head must bring to wake this thread. */
    private void updateWakeAtBytes()
    {
        final long batchEnd = rounds.batchEndBytes();
        // 0: any new head, even of an empty buffer
        final boolean waits = rounds.pending() && registry.pending().size() == 0 && batchEnd > lastHeadBytes;
        wakeAtBytes.set(waits ? batchEnd : 0, waits ? rounds.batchEndSeq() : 0);
    }

    /**
     * Selector thread, for the idle strategy: the next time the agent has something to do with no
     * event to wake it: a round of writes waiting for more buffers, or a poll of the stalled
     * clients' timers.
     *
     * @return a monotonic time in ns, or Long.MAX_VALUE when nothing is due at a known time.
     */
    long deadlineNs()
    {
        final long stalledPoll = stalled.nextPollNs(nowMonoNs);
        return rounds.pending() ? Math.min(rounds.dueAtNs(), stalledPoll) : stalledPoll;
    }

    /** Shutdown: every client is removed REMOVED, waiters complete, the ring's buffers are released. */
    @Override
    public void onClose()
    {
        commands.close(runCommand, () -> clientCommands.clear(ClientStatus.REMOVED));
        handshakes.closeAll();
        drains.completeAll();
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

    // ---- requests, on the selector thread (commands, acceptors and callbacks) ----

    /** The agent stops at the end of this duty cycle. */
    void requestStop()
    {
        stopRequested = true;
    }

    /** @return the client requests (add, remove, clear, statistics, filter). */
    ClientCommands clients()
    {
        return clientCommands;
    }

    /** Adds an accepted connection as a client: the sink owns its channel. */
    void addAccepted(final SocketChannel channel, final ClientSync sync, final InetAddress remote)
    {
        add(channel, true, sync, ring.head(), remote);
    }

    /** @return the monotonic clock of this duty cycle. */
    long nowMonoNs()
    {
        return nowMonoNs;
    }

    /** Adds a client: the sink's own add, or an accepted connection (then the sink owns its channel). */
    void add(final SocketChannel channel, final boolean owns, final ClientSync sync, final long addSeq,
        final InetAddress remote)
    {
        // back-pressure (docs/threading.md, rule 10): held from now, before clientAdded lets anyone feed it
        ring.holdAtMost(addSeq + 1);
        final Client client = lifecycle.add(channel, owns, sync, addSeq, remote);
        if (client != null)
        {
            registry.pending().add(client);
            position(client);
        }
    }

    void addDrain(final long targetSeq, final CompletableFuture<Boolean> done)
    {
        drains.add(targetSeq, done);
    }

    void registerAcceptor(final ServerSocketChannel server, final AcceptHandler handler) throws IOException
    {
        acceptors.register(selector, server, handler);
    }

    /** @return the statistics figures this agent keeps, for {@link Snapshots#sink}. */
    SinkStats sinkStats()
    {
        return Snapshots.sink(ring, released ? Snapshots.RELEASED : window.retainedOldest(), registry.size(),
            writer.bytesServed(), registry.added(), registry.removedByStatus(), registry.lapped(),
            registry.lagging().size(), registry.dropped());
    }

    // ---- carrying out decisions ----

    /** A new or waiting client: start it if the buffers it waits for exist. */
    void position(final Client client)
    {
        final StartDecision decision = positions.decide(client);
        if (decision.kind() == StartDecision.Kind.START)
        {
            registry.pending().remove(client);
            client.startAt(decision.seq(), decision.decidedAt());
            place(client, writer.serve(client, lastHead, nowMonoNs, nowWallNs));
        }
        else if (decision.kind() == StartDecision.Kind.LAPPED)
        {
            placement.lapped(client);
        }
    }

    private void positionAll(final ClientList list)
    {
        for (int i = list.size() - 1; i >= 0; i--)
        {
            if (i < list.size())
            {
                position(list.get(i));
            }
        }
    }

    private void applyLagLimits()
    {
        final ClientList lagging = registry.lagging();
        limits.begin(lastHead);
        for (int i = lagging.size() - 1; i >= 0; i--)
        {
            if (i >= lagging.size())
            {
                continue;
            }
            final Client client = lagging.get(i);
            placement.apply(client, limits.decide(client));
        }
        limits.end();
    }

    private int removeStalled()
    {
        final ArrayList<Client> expired = stalled.poll(nowMonoNs);
        for (int i = 0, n = expired.size(); i < n; i++)
        {
            lifecycle.remove(expired.get(i), ClientStatus.SLOW);
        }
        return expired.size();
    }

    /** @return the bytes rendered through {@code seq}, a recent head; Long.MAX_VALUE when the producer lapped it. */
    private long bytesThrough(final long seq)
    {
        final long bytes = ring.bytesBefore(seq) + ring.length(seq);
        return ring.validate(seq) ? bytes : Long.MAX_VALUE;
    }

    private void serveRound()
    {
        final long start = System.nanoTime();
        rounds.started(lastHead, bytesThrough(lastHead));
        serveEach(registry.caughtUp());
        rounds.finished(System.nanoTime() - start);
    }

    /** One turn for each client of {@code list} (the ready or the caught-up clients). */
    private void serveEach(final ClientList list)
    {
        for (int i = list.size() - 1; i >= 0; i--)
        {
            if (i < list.size())
            {
                final Client client = list.get(i);
                place(client, writer.serve(client, lastHead, nowMonoNs, nowWallNs));
            }
        }
    }

    /** Carries out where a turn of writes left the client. */
    void place(final Client client, final WriteOutcome outcome)
    {
        if (client.removed())
        {
            return;
        }
        switch (outcome)
        {
            case CAUGHT_UP -> placement.caughtUp(client);
            case TURN_OVER -> placement.turnOver(client);
            case BLOCKED -> placement.blocked(client, nowMonoNs);
            case LAPPED -> placement.lapped(client);
            case FAILED -> lifecycle.fail(client, writer.failure());
            case FLUSHED -> lifecycle.remove(client, ClientStatus.FLUSHING);
            case WAIT_KEYFRAME ->
            {
                placement.toWaiting(client, client.jumpSeq());
                position(client); // the keyframe it waits for may be queued already
            }
            default -> throw new IllegalStateException("write outcome " + outcome);
        }
    }


    // ---- the selector ----

    /** A key made ready while the idle strategy blocked in select: the clock moves on first. */
    void onIdleKey(final SelectionKey key)
    {
        nowMonoNs = System.nanoTime();
        nowWallNs = wallClock.wallNs(nowMonoNs);
        onKey(key);
    }

    private void onKey(final SelectionKey key)
    {
        final Object attachment = key.attachment();
        if (attachment instanceof Client)
        {
            final Client client = (Client)attachment;
            if (!key.isValid() || client.removed())
            {
                return;
            }
            final int ready = key.readyOps();
            if ((ready & SelectionKey.OP_READ) != 0 && !reader.read(client))
            {
                lifecycle.fail(client, reader.failure());
                return;
            }
            if ((ready & SelectionKey.OP_WRITE) != 0 && key.isValid())
            {
                place(client, writer.serve(client, lastHead, nowMonoNs, nowWallNs));
            }
        }
        else if (attachment instanceof Handshakes.Connection && key.isValid() && key.isReadable())
        {
            handshakes.read((Handshakes.Connection)attachment, this);
        }
        else if (attachment instanceof Acceptors.Acceptor && key.isValid() && key.isAcceptable())
        {
            acceptors.accept((Acceptors.Acceptor)attachment, accepted, nowMonoNs);
        }
    }

    /** @return whether the caught-up clients' round goes now: it is due, or a drain waits for it. */
    private boolean roundDue()
    {
        return rounds.due(nowMonoNs) || rounds.pending() && !drains.isEmpty();
    }

    private void publishRetention()
    {
        final long caughtUpNeed = registry.caughtUp().size() > 0 ? rounds.caughtUpNeed() : Long.MAX_VALUE;
        final long clientsNeed = registry.oldestNeeded(caughtUpNeed);
        // back-pressure (docs/semantics.md A.2.14): every client needs what this thread has not seen yet
        final long clientsHold = registry.size() > 0 ? Math.min(clientsNeed, lastHead + 1) : Long.MAX_VALUE;
        if (lastHead < 0)
        {
            ring.hold(clientsHold, window.pendingAdds());
            return;
        }
        window.publish(clientsNeed, clientsHold);
    }

    private void run(final Command command)
    {
        try
        {
            command.execute(this);
        }
        catch (final Exception ex) // a checked one too, thrown sneakily by application code
        {
            LOG.error("command failed", ex);
        }
    }

    /** Any thread: @return the count of adds between their read of the head and their execution. */
    AtomicInteger pendingAdds()
    {
        return window.pendingAdds();
    }
}
