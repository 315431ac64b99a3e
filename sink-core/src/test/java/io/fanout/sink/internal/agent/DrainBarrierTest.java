package io.fanout.sink.internal.agent;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A drain completes only once the head passed its target and no client still needs anything up to it. */
class DrainBarrierTest
{
    @Test
    void completesWhenEveryClientHasEverythingUpToTheTarget()
    {
        final DrainBarrier barrier = new DrainBarrier();
        final CompletableFuture<Boolean> done = new CompletableFuture<>();
        barrier.add(10, done);
        barrier.complete(9, false, Long.MAX_VALUE);
        assertFalse(done.isDone(), "the target was not even seen yet");
        barrier.complete(10, true, Long.MAX_VALUE);
        assertFalse(done.isDone(), "caught-up clients still wait for their round");
        barrier.complete(10, false, 10);
        assertFalse(done.isDone(), "a client still needs the target buffer");
        barrier.complete(12, false, 11);
        assertTrue(done.join());
        assertTrue(barrier.isEmpty());
    }

    @Test
    void eachWaiterHasItsOwnTarget()
    {
        final DrainBarrier barrier = new DrainBarrier();
        final CompletableFuture<Boolean> early = new CompletableFuture<>();
        final CompletableFuture<Boolean> late = new CompletableFuture<>();
        barrier.add(5, early);
        barrier.add(50, late);
        barrier.complete(20, false, 6);
        assertTrue(early.isDone());
        assertFalse(late.isDone());
        barrier.completeAll();
        assertTrue(late.join(), "a stopped sink has nothing left to drain");
    }
}
