package io.fanout.sink.format;

import io.fanout.sink.MultiSocketSink;
import io.fanout.sink.SinkConfig;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 6 item 6: bad input in every {@code --format}, through a real sink to a loopback client.
 * A fixed-seed fuzz, bounded to 20 rounds per format: valid input, then damage (random bytes, a
 * unit cut short, or both), then valid input, sometimes a unit cut short at the very end, read in
 * random chunk sizes. In every round no exception escapes the framer (pump and finish), the
 * format's error counter rises, and the valid input after the damage reaches the client:
 * <ul>
 * <li>raw and lines pass every byte (damage is data to them); lines counts the over-long line the
 * damage holds as split;</li>
 * <li>mpegts counts a sync loss and the client gets every packet after the damage but the first
 * (a packet cut short takes the start of the next one; sync is found on the packet after);</li>
 * <li>gdp (with header CRCs, gdppay's default, and a 64 KiB payload limit: without either a
 * corrupt length field can hide everything after it, GdpFramer) counts a bad record and the client
 * gets the buffers after the damage but the first four. GDP has no sync marker: a record cut short
 * swallows the start of the next, and a header read out of step may be skipped by a length field
 * made of real header bytes, so a few records go (at most three in these rounds).</li>
 * </ul>
 * The framers' own fuzz and garbage tests (GdpFramerTest, MpegTsFramerTest) check the exact
 * accounting without sockets.
 */
@Timeout(60)
class BadInputFuzzTest
{
    private static final int ROUNDS = 20;
    /** Units (packets, records, lines) of valid input after the damage. */
    private static final int SUFFIX_UNITS = 20;
    /** MPEG-TS packets after the damage that may be lost. */
    private static final int TS_LOST_AT_MOST = 1;
    /** GDP records after the damage that may be lost. */
    private static final int GDP_LOST_AT_MOST = 4;

    enum Format
    {
        RAW, LINES, MPEGTS, GDP
    }

    /** One round's input: {@code input} as read, and what the client must receive at the end of its stream. */
    private record Case(byte[] input, byte[] expectedTail, boolean exact)
    {
    }

    private static byte[] randomBytes(final Random random, final int length)
    {
        final byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }

    private static byte[] concat(final List<byte[]> parts)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    /** Random bytes whose length is never a whole number of TS packets (so that they always break sync). */
    private static byte[] damage(final Random random)
    {
        int length = 1 + random.nextInt(900);
        if (length % MpegTsFramer.PACKET_SIZE == 0)
        {
            length++;
        }
        return randomBytes(random, length);
    }

    private static Case mpegts(final Random random)
    {
        final byte[] prefix = new TsStream().pat().pmt().video(true).videos(9).input();
        final byte[] suffix = new TsStream().video(true).videos(SUFFIX_UNITS - 1).input();
        final List<byte[]> parts = new ArrayList<>(List.of(prefix));
        final int kind = random.nextInt(3);
        if (kind != 1)
        {
            parts.add(damage(random));
        }
        if (kind != 0)
        {
            parts.add(Arrays.copyOf(new TsStream().videos(1).input(), 1 + random.nextInt(186))); // a cut packet
        }
        parts.add(suffix);
        if (random.nextBoolean())
        {
            parts.add(Arrays.copyOf(new TsStream().videos(1).input(), 1 + random.nextInt(186))); // cut at the end
        }
        return new Case(concat(parts), Arrays.copyOfRange(suffix, TS_LOST_AT_MOST * MpegTsFramer.PACKET_SIZE, suffix.length),
            false);
    }

    private static Case gdp(final Random random)
    {
        final GdpWriter prefix = new GdpWriter().crc(true, false);
        for (int i = 0; i < 10; i++)
        {
            prefix.buffer(randomBytes(random, 1 + random.nextInt(400)), i * 40_000_000L, 40_000_000L, 0);
        }
        final GdpWriter suffix = new GdpWriter().crc(true, false);
        final List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < SUFFIX_UNITS; i++)
        {
            final byte[] payload = randomBytes(random, 1 + random.nextInt(400));
            payloads.add(payload);
            suffix.buffer(payload, GdpWriter.NONE, GdpWriter.NONE, GdpWriter.GST_DELTA_UNIT);
        }
        final byte[] record = new GdpWriter().crc(true, false).buffer(randomBytes(random, 300), GdpWriter.NONE,
            GdpWriter.NONE, 0).bytes();
        final List<byte[]> parts = new ArrayList<>(List.of(prefix.bytes()));
        final int kind = random.nextInt(3);
        if (kind != 1)
        {
            parts.add(damage(random));
        }
        if (kind != 0)
        {
            parts.add(Arrays.copyOf(record, 1 + random.nextInt(record.length - 2))); // a cut record
        }
        parts.add(suffix.bytes());
        if (random.nextBoolean())
        {
            parts.add(Arrays.copyOf(record, 1 + random.nextInt(record.length - 2))); // cut at the end
        }
        return new Case(concat(parts), concat(payloads.subList(GDP_LOST_AT_MOST, payloads.size())), false);
    }

    private static Case lines(final Random random)
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < 50; i++)
        {
            text.append("line ").append(i).append(" level=info\n");
        }
        final byte[] overlong = new byte[3000 + random.nextInt(3000)]; // over the 1 KiB limit: split
        Arrays.fill(overlong, (byte)'x');
        final StringBuilder after = new StringBuilder();
        for (int i = 0; i < SUFFIX_UNITS; i++)
        {
            after.append("after ").append(i).append('\n');
        }
        final byte[] input = concat(List.of(text.toString().getBytes(StandardCharsets.US_ASCII), damage(random), overlong,
            after.toString().getBytes(StandardCharsets.US_ASCII), randomBytes(random, random.nextInt(50))));
        return new Case(input, input, true);
    }

    private static Case raw(final Random random)
    {
        final byte[] input = concat(List.of(randomBytes(random, 8192), damage(random), randomBytes(random, 8192)));
        return new Case(input, input, true);
    }

    private static Framer framer(final Format format, final MultiSocketSink sink, final List<String> reports)
    {
        return switch (format)
        {
            case RAW -> new RawFramer(sink, RawFramer.DEFAULT_BLOCKSIZE);
            case LINES -> new LinesFramer(sink, 1024);
            case MPEGTS -> new MpegTsFramer(sink, 7 * MpegTsFramer.PACKET_SIZE, MpegTsFramer.KeyframePid.AUTO, reports::add);
            case GDP -> new GdpFramer(sink, false, 64 * 1024, reports::add);
        };
    }

    /** The format's error counter: bad input counted. */
    private static long errors(final Framer framer)
    {
        if (framer instanceof MpegTsFramer ts)
        {
            return ts.syncLosses();
        }
        if (framer instanceof GdpFramer gdp)
        {
            return gdp.badRecords();
        }
        if (framer instanceof LinesFramer lines)
        {
            return lines.splitLines();
        }
        return -1; // raw: no input is bad
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void randomAndTruncatedInputNeverEscapesTheFramerAndValidDataAfterItReachesClients(final Format format)
        throws Exception
    {
        final Random random = new Random(20_260_601L + format.ordinal());
        for (int round = 0; round < ROUNDS; round++)
        {
            final Case c = switch (format)
            {
                case RAW -> raw(random);
                case LINES -> lines(random);
                case MPEGTS -> mpegts(random);
                case GDP -> gdp(random);
            };
            final String where = format + " round " + round;
            final MultiSocketSink sink = new MultiSocketSink(SinkConfig.defaults());
            try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
                 SocketChannel client = SocketChannel.open(listener.getLocalAddress());
                 SocketChannel server = listener.accept())
            {
                sink.start();
                sink.add(server);
                final CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() ->
                {
                    try
                    {
                        return Channels.newInputStream(client).readAllBytes();
                    }
                    catch (final IOException ex)
                    {
                        throw new IllegalStateException(ex);
                    }
                });
                final List<String> reports = new ArrayList<>();
                final Framer framer = framer(format, sink, reports);
                final ChunkedChannel in = ChunkedChannel.random(c.input(), random.nextLong(), 1 + random.nextInt(3000));
                while (framer.pump(in))
                {
                    // one read per pump; an exception here fails the round
                }
                framer.finish();
                assertTrue(sink.drain(TimeUnit.SECONDS.toNanos(8)), where + ": drained");
                sink.close();
                server.shutdownOutput(); // the client reads what was sent, then the end
                final byte[] bytes = received.get(8, TimeUnit.SECONDS);

                if (c.exact())
                {
                    assertArrayEquals(c.input(), bytes, where + ": every byte is data");
                }
                final byte[] tail = c.expectedTail();
                assertTrue(bytes.length >= tail.length, where + ": received " + bytes.length + " bytes");
                assertArrayEquals(tail, Arrays.copyOfRange(bytes, bytes.length - tail.length, bytes.length),
                    where + ": the valid input after the damage reaches the client");
                if (format == Format.RAW)
                {
                    assertEquals(c.input().length, framer.bytesRendered(), where);
                }
                else
                {
                    assertTrue(errors(framer) > 0, where + ": the error counter rises; reports " + reports);
                }
                if (format == Format.MPEGTS || format == Format.GDP)
                {
                    assertTrue(!reports.isEmpty(), where + ": bad input is reported");
                }
            }
            finally
            {
                sink.close();
            }
        }
    }
}
