package io.fanout.sink.internal.agent;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When rounds of writes are due, on a clock and byte counts the test moves. */
class WriteRoundsTest
{
    @Test
    void withoutADelayEveryPublicationIsDueAtOnce()
    {
        final WriteRounds rounds = new WriteRounds(0, 65536, 1 << 20);
        assertFalse(rounds.due(0), "nothing published");
        rounds.published(100, 1, 10, 0, 0);
        assertTrue(rounds.due(100));
        rounds.started(7, 10);
        rounds.finished(0);
        assertFalse(rounds.pending());
        rounds.published(200, 2, 20, 1, 10);
        assertTrue(rounds.due(200));
    }

    @Test
    void buffersWaitForTheDelayFromTheOldestOfThem()
    {
        final WriteRounds rounds = new WriteRounds(10_000_000, 65536, 1 << 20);
        rounds.published(5_000_000, 3, 1316, 2, 0);
        rounds.published(9_000_000, 4, 2632, 3, 1316); // a second publication does not restart the wait
        assertEquals(15_000_000, rounds.dueAtNs());
        assertFalse(rounds.due(14_999_999));
        assertTrue(rounds.due(15_000_000));
    }

    @Test
    void aFullBatchIsDueBeforeTheDelay()
    {
        final WriteRounds rounds = new WriteRounds(10_000_000, 4096, 1 << 20);
        rounds.published(0, 5, 1000, 4, 0);
        rounds.started(0, 1000);
        rounds.finished(0);
        rounds.published(1_000_000, 6, 4000, 5, 1000);
        assertFalse(rounds.due(1_000_000), "3,000 bytes since the last round");
        rounds.published(2_000_000, 7, 5096, 6, 4000);
        assertTrue(rounds.due(2_000_000), "4,096 bytes since the last round");
    }

    @Test
    void theBatchCountsFromTheHeadSeenBeforeTheRoundBecamePending()
    {
        final WriteRounds rounds = new WriteRounds(10_000_000, 4096, 1 << 20);
        rounds.published(0, 8, 11_000, 7, 10_000); // the clients were served through 10,000 bytes some other way
        assertFalse(rounds.due(0), "1,000 new bytes");
        assertEquals(14_096, rounds.batchEndBytes());
    }

    @Test
    void caughtUpClientsNeedTheBuffersAfterTheLastRoundWhileOneIsPending()
    {
        final WriteRounds rounds = new WriteRounds(0, 65536, 1 << 20);
        assertEquals(Long.MAX_VALUE, rounds.caughtUpNeed());
        rounds.published(0, 9, 1, 8, 0);
        rounds.started(41, 1);
        rounds.finished(0);
        assertEquals(Long.MAX_VALUE, rounds.caughtUpNeed());
        rounds.published(1, 10, 2, 9, 1);
        assertEquals(42, rounds.caughtUpNeed());
    }

    @Test
    void aLongRoundStartsTheNextOneThatMuchEarlierSoThatItsLastClientStillMeetsTheDelay()
    {
        final WriteRounds rounds = new WriteRounds(10_000_000, 1 << 20, 1 << 20);
        rounds.published(0, 11, 100, 10, 0);
        assertEquals(10_000_000, rounds.dueAtNs());
        rounds.started(0, 100);
        rounds.finished(4_000_000); // a round over many clients took 4 ms
        rounds.published(20_000_000, 12, 200, 11, 100);
        assertEquals(26_000_000, rounds.dueAtNs(), "due 6 ms after its first buffer: written by 10 ms");
        assertFalse(rounds.due(25_999_999));
        assertTrue(rounds.due(26_000_000));
        rounds.started(1, 200);
        rounds.finished(30_000_000); // longer than the delay
        rounds.published(100_000_000, 13, 300, 12, 200);
        assertTrue(rounds.due(100_000_000), "at once");
    }

    @Test
    void aBatchOfBuffersIsDueBeforeTheDelay()
    {
        final WriteRounds rounds = new WriteRounds(10_000_000, 1 << 20, 4);
        rounds.published(0, 10, 100, 9, 90);
        assertFalse(rounds.due(0), "1 buffer since the head seen before");
        rounds.published(1, 12, 120, 10, 100);
        assertFalse(rounds.due(1), "3 buffers");
        rounds.published(2, 13, 130, 12, 120);
        assertTrue(rounds.due(2), "4 buffers: half the queue, the producer would release what the round needs");
        assertEquals(13, rounds.batchEndSeq());
    }
}
