package io.fanout.sink.internal.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The listening channels of the agent's selector, each with its {@link AcceptHandler} and its
 * {@link AcceptBackoff}: after a failed accept the channel pauses, and accepting resumes by itself
 * once the pause is over (docs/semantics.md A.2.10). Selector thread only.
 */
final class Acceptors
{
    private static final Logger LOG = LoggerFactory.getLogger(Acceptors.class);

    private final List<Acceptor> acceptors = new ArrayList<>();
    private int paused;

    /**
     * @param selector the agent's selector.
     * @param server   a bound listening channel.
     * @param handler  what accepts its connections.
     * @throws IOException when it cannot be registered.
     */
    void register(final Selector selector, final ServerSocketChannel server, final AcceptHandler handler)
        throws IOException
    {
        server.configureBlocking(false);
        final Acceptor acceptor = new Acceptor(handler, new AcceptBackoff(LOG, "tcp", server));
        acceptor.key = server.register(selector, SelectionKey.OP_ACCEPT, acceptor);
        acceptors.add(acceptor);
    }

    /** A listening key is acceptable: one accept round. */
    void accept(final Acceptor acceptor, final AcceptedConnections connections, final long nowMonoNs)
    {
        try
        {
            acceptor.handler.onAcceptable((ServerSocketChannel)acceptor.key.channel(), connections);
            acceptor.backoff.succeeded(nowMonoNs);
        }
        catch (final IOException ex)
        {
            if (!acceptor.backoff.paused())
            {
                paused++;
            }
            acceptor.backoff.failed(acceptor.key, ex, nowMonoNs);
        }
    }

    /**
     * Paused listeners whose pause is over accept again, with one accept round at once: it ends the
     * burst when the backlog is empty, even if no new connection ever makes the key acceptable.
     *
     * @return the number of listeners resumed.
     */
    int resume(final AcceptedConnections connections, final long nowMonoNs)
    {
        if (paused == 0)
        {
            return 0;
        }
        int resumed = 0;
        for (int i = 0, n = acceptors.size(); i < n; i++)
        {
            final Acceptor acceptor = acceptors.get(i);
            if (acceptor.backoff.paused() && acceptor.backoff.tick(acceptor.key, nowMonoNs) == 0)
            {
                paused--;
                resumed++;
                accept(acceptor, connections, nowMonoNs);
            }
        }
        return resumed;
    }

    /** A listening channel: who accepts its connections, and its pause after a failed accept. */
    static final class Acceptor
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
}
