package io.fanout.testkit;

import io.fanout.testkit.LoopbackPairs.Pair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fixture itself, on real 127.0.0.1 pairs: counting, checking, mismatches, end of stream, deadlines. */
@Timeout(30)
class LoopbackReadersTest
{
    private static final Duration WAIT = Duration.ofSeconds(8);

    private LoopbackPairs pairs;

    @BeforeEach
    void open() throws IOException
    {
        pairs = new LoopbackPairs();
    }

    @AfterEach
    void close()
    {
        pairs.close();
    }

    private static byte[] random(final long seed, final int size)
    {
        final byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void send(final SocketChannel channel, final byte[] bytes, final int from, final int to)
        throws IOException
    {
        final ByteBuffer buffer = ByteBuffer.wrap(bytes, from, to - from);
        while (buffer.hasRemaining())
        {
            channel.write(buffer);
        }
    }

    private LoopbackReaders start(final List<Pair> made, final LoopbackReaders.Check check) throws IOException
    {
        return LoopbackReaders.builder("test-readers").check(check).timeout(WAIT).start(LoopbackPairs.clients(made));
    }

    @Test
    void pairsAreConnectedOnLoopbackOnly() throws IOException
    {
        final Pair pair = pairs.pair(4096, 4096);
        final InetSocketAddress remote = (InetSocketAddress)pair.client().getRemoteAddress();
        assertEquals(LoopbackPairs.HOST, remote.getAddress().getHostAddress());
        assertEquals(pair.server().getLocalAddress(), remote);
        assertEquals(pair.client().getLocalAddress(), pair.server().getRemoteAddress());
        pairs.close();
        assertFalse(pair.client().isOpen());
        assertFalse(pair.server().isOpen());
    }

    @Test
    void countsAndChecksEveryChannelThenSeesEndOfStream() throws IOException
    {
        final byte[] expected = random(1, 300_000); // more than a socket buffer: written while being read
        final List<Pair> made = pairs.pairs(3);
        try (LoopbackReaders readers = start(made, LoopbackReaders.Check.exactly(expected)))
        {
            assertEquals(3, readers.size());
            for (final Pair pair : made)
            {
                send(pair.server(), expected, 0, 1000);
            }
            readers.awaitProgress(1000);
            assertTrue(readers.minReceived() >= 1000);
            for (final Pair pair : made)
            {
                send(pair.server(), expected, 1000, expected.length);
            }
            readers.awaitEach(expected.length);
            for (int i = 0; i < 3; i++)
            {
                assertEquals(expected.length, readers.received(i));
                assertFalse(readers.ended(i));
            }
            assertEquals(expected.length, readers.minReceived());
            assertEquals(3L * expected.length, readers.totalReceived());
            assertNull(readers.failure());
            assertEquals(0, readers.failures());

            made.get(1).server().close();
            made.get(0).server().close();
            made.get(2).server().shutdownOutput(); // a half-close is an end of stream too
            readers.awaitAllEnded();
            for (int i = 0; i < 3; i++)
            {
                assertTrue(readers.ended(i), "end of stream seen by channel " + i);
            }
            assertEquals(3L * expected.length, readers.totalReceived(), "counts stop at the end");
            assertNull(readers.failure());
        }
    }

    @Test
    void aDifferentByteIsAFailureNamingChannelAndOffset() throws IOException
    {
        final byte[] expected = random(2, 5000);
        final byte[] sent = expected.clone();
        sent[4321] ^= 0x55;
        final List<Pair> made = pairs.pairs(2);
        try (LoopbackReaders readers = start(made, LoopbackReaders.Check.exactly(expected)))
        {
            send(made.get(0).server(), expected, 0, expected.length);
            send(made.get(1).server(), sent, 0, sent.length);
            final AssertionError error = assertThrows(AssertionError.class, () -> readers.awaitEach(expected.length));
            assertEquals("channel 1: byte 4321 differs from the expected stream", error.getMessage());
            assertEquals(error.getMessage(), readers.failure());
            assertTrue(readers.failures() >= 1);
            made.get(0).server().close();
            made.get(1).server().close();
            readers.awaitAllEnded();
            assertEquals(expected.length, readers.received(1), "counted all the same");
            assertEquals(error.getMessage(), readers.failure(), "the first failure is kept");
        }
    }

    @Test
    void moreBytesThanExpectedIsAFailure() throws IOException
    {
        final List<Pair> made = pairs.pairs(1);
        try (LoopbackReaders readers = start(made, LoopbackReaders.Check.exactly(new byte[] {1, 2, 3})))
        {
            send(made.get(0).server(), new byte[] {1, 2, 3, 4}, 0, 4);
            made.get(0).server().close();
            readers.awaitAllEnded();
            assertEquals(4, readers.received(0));
            assertEquals("channel 0 received 4 bytes, more than the 3 expected", readers.failure());
        }
    }

    @Test
    void anEndOfStreamBeforeTheCountFailsAwaitEachAtOnce() throws IOException
    {
        final byte[] expected = {9, 8, 7, 6};
        final List<Pair> made = pairs.pairs(1);
        try (LoopbackReaders readers = LoopbackReaders.builder("short").check(LoopbackReaders.Check.exactly(expected))
            .timeout(Duration.ofSeconds(20)).start(LoopbackPairs.clients(made)))
        {
            assertFalse(readers.allEnded());
            send(made.get(0).server(), expected, 0, 2);
            made.get(0).server().close();
            final long startNs = System.nanoTime();
            final AssertionError error = assertThrows(AssertionError.class, () -> readers.awaitEach(4));
            assertEquals("a channel ended after 2 of 4 bytes", error.getMessage());
            assertTrue(System.nanoTime() - startNs < Duration.ofSeconds(10).toNanos(), "not at the timeout");
            assertTrue(readers.ended(0));
            assertTrue(readers.allEnded());
            assertNull(readers.failure(), "a short stream is no content failure");
        }
    }

    @Test
    void aRepeatingPatternIsCheckedAcrossChunksOfAnySize() throws IOException
    {
        final byte[] pattern = random(3, 1000);
        final byte[] stream = new byte[123_457];
        for (int i = 0; i < stream.length; i++)
        {
            stream[i] = pattern[i % pattern.length];
        }
        final List<Pair> made = pairs.pairs(1);
        try (LoopbackReaders readers = LoopbackReaders.builder("pattern").bufferBytes(777)
            .check(LoopbackReaders.Check.repeating(pattern)).timeout(WAIT).start(LoopbackPairs.clients(made)))
        {
            send(made.get(0).server(), stream, 0, stream.length);
            readers.awaitEach(stream.length);
            assertNull(readers.failure());
            send(made.get(0).server(), new byte[] {(byte)(pattern[stream.length % pattern.length] + 1)}, 0, 1);
            made.get(0).server().close();
            readers.awaitAllEnded();
            assertEquals(stream.length + 1, readers.received(0));
            assertEquals("channel 0: byte " + stream.length + " differs from the expected stream", readers.failure());
            assertEquals(1, readers.failures());
        }
    }

    @Test
    void aCustomCheckSeesEveryChunkInOrderOnTheReaderThread() throws IOException
    {
        final byte[] stream = random(4, 200_000);
        final List<String> threads = new ArrayList<>();
        final long[] next = {0};
        final byte[] copy = new byte[stream.length];
        final List<Pair> made = pairs.pairs(1);
        try (LoopbackReaders readers = LoopbackReaders.builder("custom-reader").bufferBytes(4096)
            .check((channel, offset, chunk) ->
            {
                if (threads.isEmpty())
                {
                    threads.add(Thread.currentThread().getName());
                }
                final String problem = offset == next[0] ? null : "offset " + offset + ", expected " + next[0];
                next[0] = offset + chunk.remaining();
                chunk.get(copy, (int)offset, chunk.remaining());
                return problem;
            }).timeout(WAIT).start(LoopbackPairs.clients(made)))
        {
            send(made.get(0).server(), stream, 0, stream.length);
            readers.awaitEach(stream.length);
            assertNull(readers.failure());
            assertEquals(List.of("custom-reader"), threads);
            assertTrue(Arrays.equals(stream, copy));
        }
    }

    @Test
    void awaitingWhatNeverComesTimesOutAtTheDeadline() throws IOException
    {
        final List<Pair> made = pairs.pairs(1);
        try (LoopbackReaders readers = LoopbackReaders.builder("idle").timeout(Duration.ofMillis(200))
            .start(LoopbackPairs.clients(made)))
        {
            final long startNs = System.nanoTime();
            final AssertionError error = assertThrows(AssertionError.class, () -> readers.awaitEach(1));
            final long elapsedNs = System.nanoTime() - startNs;
            assertTrue(error.getMessage().startsWith("timed out after 200 ms waiting for: every channel to receive 1"),
                error.getMessage());
            assertTrue(elapsedNs >= Duration.ofMillis(200).toNanos(), "not before the deadline");
            assertThrows(AssertionError.class, () -> readers.awaitProgress(1));
            assertThrows(AssertionError.class, readers::awaitAllEnded);
        }
        assertFalse(made.get(0).client().isOpen(), "close() closes the channels it read");
    }
}
