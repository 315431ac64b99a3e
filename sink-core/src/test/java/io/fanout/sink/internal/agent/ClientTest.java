package io.fanout.sink.internal.agent;

import io.fanout.sink.ClientStatus;
import io.fanout.sink.ClientSync;
import io.fanout.sink.SyncMethod;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client's state machine, without a socket or a selector (docs/design.md, "Per-client state machine"). */
class ClientTest
{
    private static Client client(final long addSeq)
    {
        return new Client(null, false, ClientSync.of(SyncMethod.LATEST), addSeq, 0, 0);
    }

    @Test
    void aNewClientWaitsForTheFirstBufferAfterItsAdd()
    {
        final Client client = client(41);
        assertEquals(ClientState.NEW, client.state());
        assertEquals(42, client.next, "nothing at or before the add");
        assertEquals(ClientStatus.OK, client.status());
        assertEquals(Jump.NONE, client.jump());
    }

    @Test
    void startAtPositionsItAndLimitsCountFromAfterTheDecision()
    {
        final Client client = client(9);
        client.offset = 7;
        client.startAt(5, 10);
        assertEquals(ClientState.STREAMING, client.state());
        assertEquals(5, client.next);
        assertEquals(0, client.offset);
        assertEquals(11, client.limitsFromSeq);
    }

    @Test
    void waitingForAKeyframeClearsAPendingJump()
    {
        final Client client = client(0);
        client.startAt(1, 1);
        client.offset = 3;
        assertFalse(client.recover(true, 20), "mid-buffer: the wait is deferred");
        assertEquals(Jump.WAIT_KEYFRAME, client.jump());
        client.waitForKeyframe(20);
        assertEquals(ClientState.WAITING_KEYFRAME, client.state());
        assertEquals(20, client.waitFromSeq());
        assertEquals(Jump.NONE, client.jump());
    }

    @Test
    void recoveryBetweenBuffersMovesAtOnce()
    {
        final Client client = client(0);
        client.startAt(1, 1);
        assertFalse(client.recover(false, 8));
        assertEquals(8, client.next);
        assertEquals(Jump.NONE, client.jump());
        assertTrue(client.recover(true, 12), "between buffers a wait for a keyframe starts now");
    }

    @Test
    void recoveryMidBufferWaitsUntilTheBufferIsWhole()
    {
        final Client client = client(0);
        client.startAt(1, 1);
        client.offset = 100;
        assertFalse(client.recover(false, 8));
        assertEquals(1, client.next, "no half buffer: the position holds");
        assertEquals(Jump.TO, client.jump());
        assertEquals(8, client.nextToTake(), "the lag counts from where it will continue");
        assertFalse(client.applyJump(), "still mid-buffer");
        assertEquals(1, client.next);
        client.offset = 0;
        client.next = 2; // the buffer was written whole
        assertFalse(client.applyJump());
        assertEquals(8, client.next);
        assertEquals(Jump.NONE, client.jump());
    }

    @Test
    void aDeferredWaitIsReportedOnceTheBufferIsWhole()
    {
        final Client client = client(0);
        client.startAt(1, 1);
        client.offset = 1;
        client.recover(true, 30);
        client.offset = 0;
        assertTrue(client.applyJump());
        assertEquals(30, client.jumpSeq());
    }

    @Test
    void aFlushEndsWhenEverythingThroughItsLastSequenceIsWritten()
    {
        final Client client = client(0);
        client.startAt(1, 1);
        client.beginFlush(3);
        assertEquals(ClientStatus.FLUSHING, client.status());
        assertFalse(client.flushDone());
        client.next = 4;
        client.offset = 10;
        assertFalse(client.flushDone(), "mid-buffer");
        client.offset = 0;
        assertTrue(client.flushDone());
    }

    @Test
    void aFlushNeverEndsBeforeWhatWasAlreadyStarted()
    {
        final Client client = client(0);
        client.startAt(10, 10);
        client.beginFlush(3);
        assertEquals(9, client.flushSeq, "the flush covers at least what the client already moved past");
    }

    @Test
    void removalHappensOnceWithItsStatusAndTimes()
    {
        final Client client = client(0);
        assertTrue(client.markRemoved(ClientStatus.SLOW, 5, 50));
        assertFalse(client.markRemoved(ClientStatus.CLOSED, 6, 60), "the second removal does nothing");
        assertTrue(client.removed());
        assertEquals(ClientStatus.SLOW, client.status());
        assertEquals(5, client.disconnectMonoNs);
        assertEquals(50, client.disconnectTimeNs);
    }

    @Test
    void tookRecordsTheFirstAndLastTimestamp()
    {
        final Client client = client(0);
        client.took(-1);
        assertEquals(-1, client.firstBufferPtsNs);
        client.took(100);
        client.took(200);
        client.took(-1);
        assertEquals(100, client.firstBufferPtsNs);
        assertEquals(200, client.lastBufferPtsNs);
    }
}
