package io.fanout.sink.internal.agent;

import io.fanout.sink.ClientFilter;
import io.fanout.sink.ClientStats;
import io.fanout.sink.ClientStatus;
import io.fanout.sink.ClientSync;
import io.fanout.sink.SinkConfig;
import io.fanout.sink.SinkListener;
import io.fanout.sink.SinkStats;
import io.fanout.sink.internal.ring.BufferRing;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The any-thread face of the selector thread, as Aeron's {@code SenderProxy}: every call becomes a
 * {@link Command} on the {@link CommandQueue}, executed in order by the {@link SinkAgent}. Calls
 * that return something wait for it, bounded by {@link #CALL_TIMEOUT_NS}; called on the selector
 * thread itself (from a callback) they run at once. It also starts the agent on its thread (an
 * Agrona {@link AgentRunner}) and stops it (docs/threading.md).
 */
public final class SinkProxy
{
    /** How long a call that returns something waits for the selector thread: 10 s. */
    public static final long CALL_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    private static final Logger LOG = LoggerFactory.getLogger(SinkProxy.class);

    private final BufferRing ring;
    private final Selector selector;
    private final CommandQueue commands = new CommandQueue();
    private final Listeners listeners = new Listeners();
    private final SinkAgent agent;
    private final WakeableIdle idle;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private volatile Thread thread;

    /**
     * @param ring   the ring the producer publishes into.
     * @param config the sink's configuration.
     * @param name   the selector thread's name.
     * @throws IOException when no selector can be opened.
     */
    public SinkProxy(final BufferRing ring, final SinkConfig config, final String name) throws IOException
    {
        this.ring = ring;
        this.selector = Selector.open();
        this.agent = new SinkAgent(name, ring, config, selector, commands, listeners);
        final IdleStrategy strategy = config.idleStrategy() == null ?
            new SelectorIdleStrategy(selector, agent::onIdleKey, agent::deadlineNs, SelectorIdleStrategy.MAX_BLOCK_MS) : config.idleStrategy().get();
        this.idle = new WakeableIdle(strategy, selector, agent::hasInput, agent::deadlineNs);
    }

    /** Any thread, once: start the selector thread. */
    public void start()
    {
        final AgentRunner runner = new AgentRunner(idle, this::onAgentError, null, new StoppingAgent());
        AgentRunner.startOnThread(runner, r ->
        {
            final Thread t = new Thread(r);
            thread = t;
            idle.bind(t);
            return t;
        });
    }

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

    /**
     * The producer, after it published: wake the selector thread if it may be parked and the bytes
     * published so far reach what it waits for (docs/threading.md, "Wake-ups"): while a round of
     * writes waits for a full batch, buffers below it do not wake the thread.
     */
    public void wakeIfParked()
    {
        if (ring.producerTotalBytes() >= agent.wakeAtBytes() || ring.claimSeq() - 1 >= agent.wakeAtSeq())
        {
            idle.wake();
        }
    }

    /** The producer, when it starts to wait for the clients (back-pressure): wake the selector thread. */
    public void wakeNow()
    {
        idle.wake();
    }

    /** Any thread: @return true while the selector thread has not stopped. */
    public boolean isRunning()
    {
        return commands.isOpen() && !stopped.isDone();
    }

    /** @return true when the caller is the selector thread. */
    public boolean onLoopThread()
    {
        return Thread.currentThread() == thread;
    }

    /**
     * Any thread: queue an add; the client waits for the first buffer published after this call.
     *
     * @param channel a connected channel.
     * @param sync    its sync method and burst.
     */
    public void add(final SocketChannel channel, final ClientSync sync)
    {
        // the count goes up before head is read: the agent will not publish a retention past it
        agent.pendingAdds().incrementAndGet();
        final long addSeq = ring.head();
        ring.holdAtMost(addSeq + 1); // back-pressure: the new client needs the next buffer (docs/threading.md, rule 10)
        submit(new Command()
        {
            void execute(final SinkAgent a)
            {
                a.pendingAdds().decrementAndGet();
                a.add(channel, false, sync, addSeq, null);
            }

            void abandon()
            {
                agent.pendingAdds().decrementAndGet();
            }
        });
    }

    /**
     * Any thread: queue a remove ({@code flush == false}, status REMOVED) or a remove-flush.
     *
     * @param channel the client's channel.
     * @param flush   true to send what is pending first (docs/semantics.md A.2.7).
     */
    public void remove(final SocketChannel channel, final boolean flush)
    {
        final long flushSeq = ring.head();
        submit(new Command()
        {
            void execute(final SinkAgent a)
            {
                a.clients().remove(channel, flush, flushSeq);
            }
        });
    }

    /** Any thread: queue the removal of every client with status REMOVED. */
    public void clear()
    {
        submit(new Command()
        {
            void execute(final SinkAgent a)
            {
                a.clients().clear(ClientStatus.REMOVED);
            }
        });
    }

    /** Any thread: @return a snapshot of one client's statistics, or null when it is not a client. */
    public ClientStats clientStats(final SocketChannel channel)
    {
        return call(() -> agent.clients().stats(channel), () -> null);
    }

    /** Any thread: @return a snapshot of the sink's statistics. */
    public SinkStats sinkStats()
    {
        return call(agent::sinkStats, agent::sinkStats);
    }

    /**
     * Any thread: run {@code filter} over every client, removing (REMOVED) those it says REMOVE.
     *
     * @return the channels the filter said REF to.
     */
    public List<SocketChannel> clientFilter(final ClientFilter filter)
    {
        return call(() -> agent.clients().filter(filter), Collections::emptyList);
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
            void execute(final SinkAgent a)
            {
                a.addDrain(target, done);
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
     * selector thread.
     *
     * @param server  a bound listening channel.
     * @param handler what to do when it is acceptable.
     * @throws IllegalStateException when it cannot be registered.
     */
    public void registerAcceptor(final ServerSocketChannel server, final AcceptHandler handler)
    {
        call(() ->
        {
            try
            {
                agent.registerAcceptor(server, handler);
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException("cannot register the listening socket", ex);
            }
            return null;
        }, () -> null);
    }

    /**
     * Any thread: stop the agent; every client is removed with status REMOVED. Waits for the
     * selector thread to end (bounded) unless called on it. Idempotent.
     */
    public void stop()
    {
        submit(new Command()
        {
            void execute(final SinkAgent a)
            {
                a.requestStop();
            }
        });
        awaitStopped();
    }

    /** Any thread: release the selector of an agent that was never started. */
    public void closeUnstarted()
    {
        if (thread == null)
        {
            commands.close(c -> c.abandon(), () -> { });
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

    private void submit(final Command command)
    {
        if (commands.offer(command))
        {
            idle.wake();
        }
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

    private <T> T call(final Supplier<T> onLoop, final Supplier<T> whenStopped)
    {
        if (onLoopThread())
        {
            return onLoop.get();
        }
        if (thread == null || !commands.isOpen())
        {
            if (!commands.isOpen())
            {
                awaitStopped(); // the agent's state is final once it has stopped
            }
            return whenStopped.get();
        }
        final CompletableFuture<T> result = new CompletableFuture<>();
        submit(new Command()
        {
            void execute(final SinkAgent a)
            {
                try
                {
                    result.complete(onLoop.get());
                }
                catch (final Throwable ex) // a ClientFilter's: the caller gets it, the agent goes on
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
        return await(result);
    }

    private static <T> T await(final CompletableFuture<T> result)
    {
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

    private void onAgentError(final Throwable ex)
    {
        LOG.error("selector duty cycle failed; continuing", ex);
    }

    /** The agent, with the end of its thread reported to the waiters of {@link #stop()}. */
    private final class StoppingAgent implements org.agrona.concurrent.Agent
    {
        @Override
        public int doWork() throws Exception
        {
            return agent.doWork();
        }

        @Override
        public void onClose()
        {
            try
            {
                agent.onClose();
            }
            finally
            {
                stopped.complete(null);
            }
        }

        @Override
        public String roleName()
        {
            return agent.roleName();
        }
    }
}
