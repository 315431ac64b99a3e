package io.fanout.sink.internal.agent;

import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The parked flag: a thread parked by the idle strategy is woken by {@code wake()}, and never parks past new input. */
class WakeableIdleTest
{
    /** Parks until unparked: the worst case of any Agrona strategy that parks. */
    private static final class ParkForever implements IdleStrategy
    {
        final AtomicInteger parks = new AtomicInteger();
        final CountDownLatch parked = new CountDownLatch(1);

        @Override
        public void idle(final int workCount)
        {
            if (workCount <= 0)
            {
                idle();
            }
        }

        @Override
        public void idle()
        {
            parks.incrementAndGet();
            parked.countDown();
            LockSupport.park(this);
        }

        @Override
        public void reset()
        {
        }
    }

    @Test
    void aParkedThreadIsWokenByWake() throws InterruptedException
    {
        final ParkForever delegate = new ParkForever();
        final WakeableIdle idle = new WakeableIdle(delegate, null, () -> false, () -> Long.MAX_VALUE);
        final CountDownLatch returned = new CountDownLatch(1);
        final Thread idler = new Thread(() ->
        {
            idle.idle(0);
            returned.countDown();
        });
        idle.bind(idler);
        idler.start();
        assertTrue(delegate.parked.await(10, TimeUnit.SECONDS));
        // the park may have returned spuriously and been re-entered: wake until the idle returns
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!returned.await(10, TimeUnit.MILLISECONDS))
        {
            idle.wake();
            assertTrue(System.nanoTime() < deadline, "the idle strategy was never woken");
        }
        idler.join(10_000);
    }

    @Test
    void inputSeenAfterMarkingParkedSkipsThePark()
    {
        final ParkForever delegate = new ParkForever();
        final AtomicBoolean input = new AtomicBoolean(true);
        final WakeableIdle idle = new WakeableIdle(delegate, null, input::get, () -> Long.MAX_VALUE);
        idle.idle(0); // would park forever if it did not check for input
        assertEquals(0, delegate.parks.get());
    }

    @Test
    void aKnownDeadlineParksUntilItInsteadOfBackingOff()
    {
        final ParkForever delegate = new ParkForever();
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2);
        final WakeableIdle idle = new WakeableIdle(delegate, null, () -> false, () -> deadline);
        idle.idle(0); // returns by the deadline (or earlier on a spurious wake-up), never parks forever
        assertEquals(0, delegate.parks.get(), "the configured strategy is not used for a known deadline");
    }

    @Test
    @Timeout(20)
    void aThreadBlockedInSelectIsWokenByWake() throws Exception
    {
        try (Selector selector = Selector.open())
        {
            // a block of a minute: only wake() can end it within the test's timeout
            final SelectorIdleStrategy strategy = new SelectorIdleStrategy(selector, key -> { }, () -> Long.MAX_VALUE,
                60_000);
            final WakeableIdle idle = new WakeableIdle(strategy, selector, () -> false, () -> Long.MAX_VALUE);
            final CountDownLatch blocking = new CountDownLatch(1);
            final CountDownLatch returned = new CountDownLatch(1);
            final Thread idler = new Thread(() ->
            {
                while (!strategy.blocksNext())
                {
                    idle.idle(0); // the spins and yields
                }
                blocking.countDown();
                idle.idle(0);
                returned.countDown();
            });
            idle.bind(idler);
            idler.start();
            assertTrue(blocking.await(10, TimeUnit.SECONDS));
            while (!returned.await(10, TimeUnit.MILLISECONDS))
            {
                idle.wake(); // until the idler has marked itself parked and blocked
            }
            idler.join(10_000);
        }
    }

    @Test
    @Timeout(20)
    void aSocketEventDuringTheBlockIsHandledAtOnce() throws Exception
    {
        try (Selector selector = Selector.open())
        {
            final Pipe pipe = Pipe.open();
            pipe.source().configureBlocking(false);
            pipe.source().register(selector, SelectionKey.OP_READ);
            final AtomicInteger handled = new AtomicInteger();
            final SelectorIdleStrategy strategy = new SelectorIdleStrategy(selector, key -> handled.incrementAndGet(),
                () -> Long.MAX_VALUE, 60_000);
            for (int i = 0; i < SelectorIdleStrategy.SPINS + SelectorIdleStrategy.YIELDS; i++)
            {
                strategy.idle(0);
            }
            assertTrue(strategy.blocksNext());
            pipe.sink().write(ByteBuffer.wrap(new byte[] {1}));
            strategy.idle(0); // returns because the key is ready, not after a minute
            assertEquals(1, handled.get());
            assertTrue(!strategy.blocksNext(), "work was done: it spins again before the next block");
            pipe.sink().close();
            pipe.source().close();
        }
    }

    @Test
    void aDeadlineBoundsTheBlock() throws Exception
    {
        try (Selector selector = Selector.open())
        {
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3);
            final SelectorIdleStrategy strategy = new SelectorIdleStrategy(selector, key -> { }, () -> deadline, 60_000);
            for (int i = 0; i <= SelectorIdleStrategy.SPINS + SelectorIdleStrategy.YIELDS; i++)
            {
                strategy.idle(0); // the last one blocks until the deadline, not for a minute
            }
            assertTrue(System.nanoTime() - deadline >= 0, "it blocked until the deadline");
        }
    }

    @Test
    void workResetsWithoutParking()
    {
        final ParkForever delegate = new ParkForever();
        final WakeableIdle idle = new WakeableIdle(delegate, null, () -> false, () -> Long.MAX_VALUE);
        idle.idle(3);
        assertEquals(0, delegate.parks.get());
    }

    @Test
    void wakeBeforeBindingIsHarmless()
    {
        final WakeableIdle idle = new WakeableIdle(new ParkForever(), null, () -> false, () -> Long.MAX_VALUE);
        idle.wake(); // no thread yet, not parked: nothing to do and nothing thrown
        assertTrue(idle.alias().startsWith("wakeable-"));
    }
}
