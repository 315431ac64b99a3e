package io.fanout.sink.internal.agent;

import io.fanout.sink.BufferFlags;
import io.fanout.sink.SinkConfig;
import io.fanout.sink.SyncMethod;
import io.fanout.sink.internal.ring.BufferRing;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the selector thread tells the ring it still needs (docs/semantics.md §4.3), without a selector. */
class RetainedWindowTest
{
    private static BufferRing ringOf(final int... flags)
    {
        final BufferRing ring = new BufferRing(64, 1 << 20);
        for (final int f : flags)
        {
            ring.publish(ByteBuffer.allocateDirect(10), 0, 10, f, -1, -1);
        }
        return ring;
    }

    private static final int K = BufferFlags.NONE;
    private static final int D = BufferFlags.DELTA_UNIT;

    @Test
    void withNoRetentionOnlyTheNewestBufferIsKept()
    {
        final BufferRing ring = ringOf(K, D, D, D);
        final RetainedWindow window = new RetainedWindow(ring, new SyncEngine(SinkConfig.defaults()));
        window.headMoved(ring.head());
        window.publish(Long.MAX_VALUE, Long.MAX_VALUE);
        assertEquals(3, window.retainedOldest());
        assertEquals(3, ring.retainSeq());
    }

    @Test
    void buffersMinKeepsThatManyBuffers()
    {
        final BufferRing ring = ringOf(K, D, D, D, D, D);
        final RetainedWindow window =
            new RetainedWindow(ring, new SyncEngine(SinkConfig.builder().buffersMin(3).build()));
        window.headMoved(ring.head());
        window.publish(Long.MAX_VALUE, Long.MAX_VALUE);
        assertEquals(3, window.retainedOldest(), "buffers 3, 4 and 5");
    }

    @Test
    void latestKeyframeKeepsTheNewestKeyframe()
    {
        final BufferRing ring = ringOf(D, K, D, D, D);
        final RetainedWindow window = new RetainedWindow(ring,
            new SyncEngine(SinkConfig.builder().syncMethod(SyncMethod.LATEST_KEYFRAME).build()));
        window.headMoved(ring.head());
        window.publish(Long.MAX_VALUE, Long.MAX_VALUE);
        assertEquals(1, window.retainedOldest(), "the keep-a-keyframe rule (A.2.12)");
    }

    @Test
    void aClientThatStillNeedsOlderBuffersHoldsThemBack()
    {
        final BufferRing ring = ringOf(K, D, D, D, D);
        final RetainedWindow window = new RetainedWindow(ring, new SyncEngine(SinkConfig.defaults()));
        window.headMoved(ring.head());
        window.publish(2, 2);
        assertEquals(2, ring.retainSeq());
    }

    @Test
    void anAddInFlightFreezesThePublishedRetention()
    {
        final BufferRing ring = ringOf(K, D, D, D, D);
        final RetainedWindow window = new RetainedWindow(ring, new SyncEngine(SinkConfig.defaults()));
        window.headMoved(ring.head());
        window.publish(1, 1);
        assertEquals(1, ring.retainSeq());
        window.pendingAdds().incrementAndGet(); // an add read the head and is on its way
        window.publish(Long.MAX_VALUE, Long.MAX_VALUE);
        assertEquals(4, window.retainedOldest(), "computed");
        assertEquals(1, ring.retainSeq(), "but not published: the add may need older data");
        window.pendingAdds().decrementAndGet();
        window.publish(Long.MAX_VALUE, Long.MAX_VALUE);
        assertEquals(4, ring.retainSeq());
    }

    @Test
    void whileAnAddIsInFlightTheClientsHoldOnlyGoesDown()
    {
        final BufferRing ring = ringOf(K, D, D, D, D);
        final RetainedWindow window = new RetainedWindow(ring, new SyncEngine(SinkConfig.defaults()));
        window.headMoved(ring.head());
        window.publish(Long.MAX_VALUE, 3);
        assertEquals(3, ring.holdSeq());
        window.pendingAdds().incrementAndGet();
        ring.holdAtMost(5); // the adder: its client needs the buffer after head 4
        assertEquals(3, ring.holdSeq(), "an adder never raises it");
        window.publish(Long.MAX_VALUE, 2);
        assertEquals(2, ring.holdSeq(), "back-pressure (A.2.14) does not wait for the add to go down");
        window.publish(Long.MAX_VALUE, Long.MAX_VALUE);
        assertEquals(2, ring.holdSeq(), "nor to stay: the new client may need what is held");
        window.pendingAdds().decrementAndGet();
        window.publish(Long.MAX_VALUE, Long.MAX_VALUE);
        assertEquals(Long.MAX_VALUE, ring.holdSeq(), "once it ran, the hold follows the clients again");
    }

    @Test
    void anAdderLowersTheHoldForAClientTheReaderHasNotSeen()
    {
        final BufferRing ring = ringOf(K, D, D);
        ring.holdAtMost(3);
        assertEquals(3, ring.holdSeq());
        ring.holdAtMost(7);
        assertEquals(3, ring.holdSeq());
    }
}
