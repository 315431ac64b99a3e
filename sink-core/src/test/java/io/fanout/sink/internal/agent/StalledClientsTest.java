package io.fanout.sink.internal.agent;

import io.fanout.sink.ClientStatus;
import io.fanout.sink.ClientSync;
import io.fanout.sink.SyncMethod;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The inactivity timeout on Agrona's timer wheel, on a clock the test moves (no sleeping). */
class StalledClientsTest
{
    private static final long MS = 1_000_000;
    private static final long TIMEOUT = 100 * MS;

    private final ClientList lagging = new ClientList();
    private final StalledClients stalled = new StalledClients(TIMEOUT, lagging, 0);

    private Client laggingSince(final long nowNs)
    {
        final Client client = new Client(null, false, ClientSync.of(SyncMethod.LATEST), 0, 0, 0);
        client.pendingSinceMonoNs = nowNs;
        lagging.add(client);
        stalled.lagging(client);
        return client;
    }

    @Test
    void aClientThatTakesNothingForTheTimeoutIsReported()
    {
        final Client client = laggingSince(10 * MS);
        assertTrue(stalled.poll(10 * MS + TIMEOUT - MS).isEmpty());
        assertEquals(List.of(client), stalled.poll(10 * MS + TIMEOUT + 2 * MS));
        assertEquals(0, stalled.timers());
    }

    @Test
    void aClientThatWroteMeanwhileIsGivenItsNewDeadline()
    {
        final Client client = laggingSince(0);
        client.lastActivityMonoNs = 80 * MS; // it took bytes at 80 ms
        assertTrue(stalled.poll(TIMEOUT + 2 * MS).isEmpty(), "stalled only since 80 ms");
        assertEquals(1, stalled.timers(), "the timer is set again for 180 ms");
        assertEquals(List.of(client), stalled.poll(80 * MS + TIMEOUT + 2 * MS));
    }

    @Test
    void aClientThatCaughtUpOrWasRemovedIsNeverReported()
    {
        final Client caughtUp = laggingSince(0);
        final Client removed = laggingSince(0);
        lagging.remove(caughtUp);
        removed.markRemoved(ClientStatus.CLOSED, 1, 1);
        stalled.removed(removed);
        assertTrue(stalled.poll(10 * TIMEOUT).isEmpty());
        assertEquals(0, stalled.timers());
    }

    @Test
    void theIdleThreadIsWokenAQuarterOfTheTimeoutApartWhileAnyClientLags()
    {
        assertEquals(Long.MAX_VALUE, stalled.nextPollNs(0), "nobody lags: no reason to wake");
        laggingSince(0);
        assertEquals(5 * MS + TIMEOUT / 4, stalled.nextPollNs(5 * MS));
    }

    @Test
    void oneTimerPerLaggingClient()
    {
        final Client client = laggingSince(0);
        stalled.lagging(client);
        stalled.lagging(client);
        assertEquals(1, stalled.timers());
    }

    @Test
    void noTimeoutSetsNoTimer()
    {
        final StalledClients off = new StalledClients(0, lagging, 0);
        final Client client = new Client(null, false, ClientSync.of(SyncMethod.LATEST), 0, 0, 0);
        lagging.add(client);
        off.lagging(client);
        assertEquals(0, off.timers());
        assertTrue(off.poll(Long.MAX_VALUE / 2).isEmpty());
    }
}
