package io.fanout.sink.internal.agent;

import io.fanout.sink.ClientStatus;
import io.fanout.sink.SinkListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.channels.SocketChannel;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The sink's listeners: added and removed from any thread, called on the selector thread. A
 * listener that throws is logged and the others still run: the sink keeps serving. That holds for
 * whatever it throws (a RuntimeException, a checked exception thrown sneakily, an Error such as
 * AssertionError or StackOverflowError), except a {@link VirtualMachineError} the JVM cannot go
 * on from (out of memory, internal error).
 */
final class Listeners
{
    private static final Logger LOG = LoggerFactory.getLogger(Listeners.class);

    private final CopyOnWriteArrayList<SinkListener> listeners = new CopyOnWriteArrayList<>();

    void add(final SinkListener listener)
    {
        listeners.add(listener);
    }

    void remove(final SinkListener listener)
    {
        listeners.remove(listener);
    }

    void clientAdded(final SocketChannel channel)
    {
        dispatch("clientAdded", listener -> listener.clientAdded(channel));
    }

    void clientRemoved(final SocketChannel channel, final ClientStatus status)
    {
        dispatch("clientRemoved", listener -> listener.clientRemoved(channel, status));
    }

    void clientSocketRemoved(final SocketChannel channel)
    {
        dispatch("clientSocketRemoved", listener -> listener.clientSocketRemoved(channel));
    }

    private void dispatch(final String callback, final Consumer<SinkListener> call)
    {
        for (final SinkListener listener : listeners)
        {
            try
            {
                call.accept(listener);
            }
            catch (final Throwable ex)
            {
                rethrowIfFatal(ex);
                LOG.warn("{} listener {} threw; the sink goes on", callback, listener, ex);
            }
        }
    }

    /**
     * Application code (a listener, a client filter) threw {@code ex}: rethrows it when the JVM
     * cannot go on from it (a VirtualMachineError other than StackOverflowError), returns otherwise.
     *
     * @param ex what the application code threw.
     */
    static void rethrowIfFatal(final Throwable ex)
    {
        if (ex instanceof VirtualMachineError && !(ex instanceof StackOverflowError))
        {
            throw (VirtualMachineError)ex;
        }
    }
}
