package io.fanout.cli.input;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.util.function.Consumer;

/**
 * A file or the built-in demo as the input, read once or, with {@code loop}, again from its start
 * each time it ends. For MPEG-TS a {@link TsLoop} rewrites every later pass so that continuity
 * counters and timestamps go on across the loop point; a loop point then falls between whole
 * packets (a trailing partial packet is dropped, and reported once). Reader thread of the input
 * only, except {@link #close()}.
 */
public final class LoopingChannel implements ReadableByteChannel
{
    /** Opens the input from its start. */
    @FunctionalInterface
    public interface Opener
    {
        /**
         * @return the input, positioned at its first byte.
         * @throws IOException when it cannot be opened.
         */
        ReadableByteChannel open() throws IOException;
    }

    private static final int STAGING = (1 << 16) / TsFields.PACKET * TsFields.PACKET;

    private final Opener opener;
    private final boolean loop;
    private final TsLoop ts;
    private final Consumer<String> reports;
    private final ByteBuffer staging = ByteBuffer.allocate(STAGING);
    private ReadableByteChannel current;
    /** Staged bytes: [start, ready) may be handed out, [ready, end) wait for the rest of their packet. */
    private int start;
    private int ready;
    private int end;
    private int loops;
    private long passBytes;
    /** Bytes made ready (whole packets, for MPEG-TS) in this pass. */
    private long passReady;
    private boolean partialReported;
    private volatile boolean closed;

    /**
     * @param opener  opens the input from its start (called now and at each loop point).
     * @param loop    start again at the end, forever.
     * @param mpegts  the input is an MPEG-TS: keep it valid across loop points.
     * @param reports receives one line per event worth telling the operator.
     * @throws IOException when the input cannot be opened.
     */
    public LoopingChannel(final Opener opener, final boolean loop, final boolean mpegts, final Consumer<String> reports)
        throws IOException
    {
        this.opener = opener;
        this.loop = loop;
        this.ts = mpegts ? new TsLoop() : null;
        this.reports = reports;
        this.current = opener.open();
    }

    /** @return how many times the input started again. */
    public int loops()
    {
        return loops;
    }

    @Override
    public int read(final ByteBuffer dst) throws IOException
    {
        if (closed)
        {
            throw new ClosedChannelException();
        }
        while (start == ready)
        {
            if (!fill())
            {
                return -1;
            }
        }
        final int n = Math.min(dst.remaining(), ready - start);
        dst.put(staging.array(), start, n);
        start += n;
        return n;
    }

    /**
     * Reads into the staging buffer after the bytes still held (a partial packet), and makes the
     * whole packets (all bytes, for other formats) ready, rewritten; false at the end for good.
     */
    private boolean fill() throws IOException
    {
        final byte[] bytes = staging.array();
        System.arraycopy(bytes, ready, bytes, 0, end - ready);
        end -= ready;
        start = 0;
        ready = 0;
        staging.clear().position(end);
        int n = 0;
        while (staging.hasRemaining() && (n = current.read(staging)) > 0)
        {
            passBytes += n;
        }
        end = staging.position();
        ready = ts == null ? end : end / TsFields.PACKET * TsFields.PACKET;
        if (n < 0 && end > ready)
        {
            if (loop)
            {
                reportPartial(end - ready);
                end = ready;
            }
            else
            {
                ready = end; // read once: the framer sees the bytes as they are
            }
        }
        passReady += ready;
        if (ts != null)
        {
            for (int at = 0; at + TsFields.PACKET <= ready; at += TsFields.PACKET)
            {
                ts.packet(staging, at);
            }
        }
        return ready > 0 || n >= 0 || restart();
    }

    private void reportPartial(final int partial)
    {
        if (!partialReported)
        {
            partialReported = true;
            reports.accept("input: the file ends with " + partial + " bytes that are not a whole 188-byte packet; " +
                "they are dropped at each loop point");
        }
    }

    private boolean restart() throws IOException
    {
        if (!loop || closed)
        {
            return false;
        }
        if (passReady == 0)
        {
            reports.accept(passBytes == 0 ? "input: the file is empty; nothing to loop" :
                "input: the file holds no whole 188-byte packet; nothing to loop");
            return false;
        }
        current.close();
        current = opener.open();
        passBytes = 0;
        passReady = 0;
        if (ts != null)
        {
            ts.restart();
        }
        loops++;
        return true;
    }

    @Override
    public boolean isOpen()
    {
        return !closed;
    }

    @Override
    public void close() throws IOException
    {
        closed = true;
        current.close();
    }
}
