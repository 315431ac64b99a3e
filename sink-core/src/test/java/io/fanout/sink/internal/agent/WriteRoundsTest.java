package io.fanout.sink.internal.agent;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When rounds of writes are due, on a clock the test moves. */
class WriteRoundsTest
{
    @Test
    void shortRoundsAreNeverDelayed()
    {
        final WriteRounds rounds = new WriteRounds();
        assertFalse(rounds.due(0), "nothing published");
        rounds.published(100);
        assertTrue(rounds.due(100));
        rounds.started(7);
        rounds.finished(WriteRounds.LINGER_MIN_ROUND_NS - 1);
        assertEquals(0, rounds.lingerNs());
        assertFalse(rounds.pending());
        rounds.published(200);
        assertTrue(rounds.due(200));
    }

    @Test
    void aLongRoundMakesTheNextOneLingerTwiceAsLongCappedAtTheMaximum()
    {
        final WriteRounds rounds = new WriteRounds();
        rounds.published(0);
        rounds.started(1);
        rounds.finished(2_000_000);
        assertEquals(4_000_000, rounds.lingerNs());
        rounds.published(10_000_000);
        rounds.published(11_000_000); // a second publication does not restart the wait
        assertEquals(14_000_000, rounds.dueAtNs());
        assertFalse(rounds.due(13_999_999));
        assertTrue(rounds.due(14_000_000));
        rounds.started(2);
        rounds.finished(50_000_000);
        assertEquals(WriteRounds.MAX_LINGER_NS, rounds.lingerNs());
    }

    @Test
    void caughtUpClientsNeedTheBuffersAfterTheLastRoundWhileOneIsPending()
    {
        final WriteRounds rounds = new WriteRounds();
        assertEquals(Long.MAX_VALUE, rounds.caughtUpNeed());
        rounds.published(0);
        rounds.started(41);
        rounds.finished(0);
        assertEquals(Long.MAX_VALUE, rounds.caughtUpNeed());
        rounds.published(1);
        assertEquals(42, rounds.caughtUpNeed());
    }
}
