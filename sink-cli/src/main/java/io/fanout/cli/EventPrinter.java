package io.fanout.cli;

import io.fanout.sink.ClientStats;
import io.fanout.sink.ClientStatus;
import io.fanout.sink.MultiSocketSink;
import io.fanout.sink.Refusal;
import io.fanout.sink.SinkListener;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.io.PrintStream;
import java.nio.channels.SocketChannel;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --events}: one JSON object per line on stderr for each client event, for example
 * <pre>{"event":"client-removed","time_ns":1763750000000000000,"client":"127.0.0.1:50412","status":"closed","bytes_sent":1024}</pre>
 * Runs on the sink's selector thread (SinkListener); each line is written with one call.
 */
final class EventPrinter implements SinkListener
{
    private final PrintStream out;
    private final MultiSocketSink sink;
    private final Map<SocketChannel, String> names = new HashMap<>();

    EventPrinter(final PrintStream out, final MultiSocketSink sink)
    {
        this.out = out;
        this.sink = sink;
    }

    @Override
    public void clientAdded(final SocketChannel channel)
    {
        names.put(channel, describe(channel));
        print("client-added", channel, null);
    }

    @Override
    public void clientRemoved(final SocketChannel channel, final ClientStatus status)
    {
        final ClientStats stats = sink.getStats(channel);
        final StringBuilder extra = new StringBuilder();
        extra.append(",\"status\":\"").append(status.name().toLowerCase(Locale.ROOT)).append('"');
        if (stats != null)
        {
            extra.append(",\"bytes_sent\":").append(stats.bytesSent())
                .append(",\"bytes_received\":").append(stats.bytesReceived())
                .append(",\"buffers_dropped\":").append(stats.buffersDropped());
        }
        print("client-removed", channel, extra);
    }

    @Override
    public void clientSocketRemoved(final SocketChannel channel)
    {
        print("client-socket-removed", channel, null);
        names.remove(channel);
    }

    /**
     * Selector thread: a connection was refused before it became a client (no client event follows).
     *
     * @param remote the peer, or null when unknown.
     * @param reason why.
     */
    void refused(final InetSocketAddress remote, final Refusal reason)
    {
        final String name = remote == null ? "unknown" :
            (remote.getAddress().getHostAddress().indexOf(':') >= 0 ? "[" + remote.getAddress().getHostAddress() + "]" :
            remote.getAddress().getHostAddress()) + ":" + remote.getPort();
        print("connection-refused", name, ",\"reason\":\"" + reason.label() + "\"");
    }

    private void print(final String event, final SocketChannel channel, final CharSequence extra)
    {
        String name = names.get(channel);
        if (name == null)
        {
            name = describe(channel);
        }
        print(event, name, extra);
    }

    private void print(final String event, final String name, final CharSequence extra)
    {
        final StringBuilder line = new StringBuilder(160)
            .append("{\"event\":\"").append(event)
            .append("\",\"time_ns\":").append(System.currentTimeMillis() * 1_000_000L)
            .append(",\"client\":\"").append(escape(name)).append('"');
        if (extra != null)
        {
            line.append(extra);
        }
        line.append('}');
        out.println(line);
    }

    private static String describe(final SocketChannel channel)
    {
        try
        {
            final Object remote = channel.getRemoteAddress();
            if (remote != null)
            {
                final String text = remote.toString();
                return text.startsWith("/") ? text.substring(1) : text;
            }
        }
        catch (final IOException ex)
        {
            // closed: fall through
        }
        return "unknown";
    }

    static String escape(final String text)
    {
        final StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c == '"' || c == '\\')
            {
                sb.append('\\').append(c);
            }
            else if (c < 0x20)
            {
                sb.append(String.format("\\u%04x", (int)c));
            }
            else
            {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
