package io.fanout.sink.internal.agent;

import io.fanout.sink.ClientStatus;

import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;

/**
 * Moves a client between the registry's lists and keeps its selector interest in step: OP_WRITE
 * only while it lags (its socket is full), OP_READ unless its peer half-closed
 * (docs/design.md, "Writes"). A key cancelled behind the sink's back (the application closed the
 * channel) removes the client CLOSED. It also carries out what the lag limits decided
 * ({@link #apply}). Selector thread only.
 */
final class Placement
{
    private final ClientRegistry registry;
    private final ClientLifecycle lifecycle;
    private final StalledClients stalled;

    Placement(final ClientRegistry registry, final ClientLifecycle lifecycle, final StalledClients stalled)
    {
        this.registry = registry;
        this.lifecycle = lifecycle;
        this.stalled = stalled;
    }

    /** Everything published is written: no OP_WRITE. */
    void caughtUp(final Client client)
    {
        if (client.list != registry.caughtUp())
        {
            registry.caughtUp().add(client);
            setInterest(client, readInterest(client));
        }
    }

    /** Its turn is over with data pending and a socket that takes more: served again next cycle. */
    void turnOver(final Client client)
    {
        if (client.list != registry.ready())
        {
            final boolean wasLagging = client.list == registry.lagging();
            registry.ready().add(client);
            if (wasLagging)
            {
                setInterest(client, readInterest(client));
            }
        }
    }

    /** Its socket is full with data pending: it lags from {@code nowMonoNs}, with OP_WRITE and a stall timer. */
    void blocked(final Client client, final long nowMonoNs)
    {
        if (client.list != registry.lagging())
        {
            registry.lagging().add(client);
            client.pendingSinceMonoNs = nowMonoNs;
            setInterest(client, readInterest(client) | SelectionKey.OP_WRITE);
            stalled.lagging(client);
        }
    }

    /** Recovery sends it to wait for a keyframe at or after {@code fromSeq}. */
    void toWaiting(final Client client, final long fromSeq)
    {
        client.waitForKeyframe(fromSeq);
        registry.pending().add(client);
        setInterest(client, readInterest(client));
    }

    /** Carries out a {@link LagDecision} (docs/semantics.md §6 with A.2.3). */
    void apply(final Client client, final LagDecision decision)
    {
        client.buffersDropped += decision.dropped();
        registry.countDropped(decision.dropped());
        switch (decision.kind())
        {
            case LAPPED -> lapped(client);
            case SLOW -> lifecycle.remove(client, ClientStatus.SLOW);
            case RESYNC -> client.recover(false, decision.seq());
            case WAIT_KEYFRAME ->
            {
                if (client.recover(true, decision.seq()))
                {
                    toWaiting(client, decision.seq());
                }
            }
            default ->
            {
            }
        }
    }

    /** The queue capacity released a buffer the client still needed: counted, then removed SLOW. */
    void lapped(final Client client)
    {
        registry.countLapped();
        lifecycle.remove(client, ClientStatus.SLOW);
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
            lifecycle.remove(client, ClientStatus.CLOSED); // the channel was closed behind the sink's back
        }
    }
}
