package io.fanout.sink.internal.agent;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command door: every command is either run or abandoned, never lost. */
class CommandQueueTest
{
    private static final class Recording extends Command
    {
        final String name;
        final List<String> log;

        Recording(final String name, final List<String> log)
        {
            this.name = name;
            this.log = log;
        }

        @Override
        void execute(final SinkAgent agent)
        {
            log.add("run " + name);
        }

        @Override
        void abandon()
        {
            log.add("abandon " + name);
        }
    }

    @Test
    void drainRunsInOrderUpToTheLimit()
    {
        final CommandQueue queue = new CommandQueue();
        final List<String> log = new ArrayList<>();
        for (int i = 0; i < 5; i++)
        {
            assertTrue(queue.offer(new Recording("c" + i, log)));
        }
        assertEquals(3, queue.drain(c -> c.execute(null), 3));
        assertEquals(List.of("run c0", "run c1", "run c2"), log);
        assertFalse(queue.isEmpty());
        assertEquals(2, queue.drain(c -> c.execute(null), 64));
        assertTrue(queue.isEmpty());
    }

    @Test
    void closeRunsWhatWasQueuedThenTheFinalStepAndAbandonsLaterOffers()
    {
        final CommandQueue queue = new CommandQueue();
        final List<String> log = new ArrayList<>();
        queue.offer(new Recording("before", log));
        queue.close(c -> c.execute(null), () -> log.add("clear"));
        assertFalse(queue.isOpen());
        assertFalse(queue.offer(new Recording("after", log)));
        assertEquals(List.of("run before", "clear", "abandon after"), log);
    }
}
