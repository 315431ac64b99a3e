package io.fanout.cli;

import io.fanout.sink.Handshake;
import io.fanout.sink.HandshakeFailure;
import io.fanout.sink.HandshakeResult;
import io.fanout.sink.Refusal;

import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code --http}: the request head of a player ({@code ffplay http://host:port/}, VLC, {@code curl})
 * and its answer, as a {@link Handshake} on the sink's own accept path. A GET is answered
 * {@code HTTP/1.0 200 OK} with the format's Content-Type and the connection becomes a client; a
 * HEAD gets the same head and is closed; a malformed, oversized ({@link #MAX_HEAD_BYTES}) or too
 * slow ({@code --http-timeout}) request gets 400 and a method other than GET or HEAD 405, and the
 * connection is closed. With {@code --token-file}, a request must present a token
 * ({@code ?token=T} or {@code Authorization: Bearer T}): 401 without one, 403 with a wrong one. A
 * connection the server refused gets 503 with Retry-After when it is full, 403 when its address
 * is denied. Runs on the sink's selector thread; the counter may be read from any thread.
 */
final class HttpHandshake implements Handshake
{
    /** Largest request head accepted: 8 KiB. */
    static final int MAX_HEAD_BYTES = 8 * 1024;
    /** What a full server's 503 asks the client to wait: 5 s. */
    static final int RETRY_AFTER_S = 5;

    private final ByteBuffer ok;
    private final long timeoutNs;
    private final AtomicLong badRequests = new AtomicLong();
    private final Map<SocketChannel, String> paths = new ConcurrentHashMap<>();
    private volatile Tokens tokens;

    /**
     * @param contentType the Content-Type of the stream.
     * @param timeoutNs   the longest a client may take to send its request head, in ns.
     */
    HttpHandshake(final String contentType, final long timeoutNs)
    {
        this.ok = ascii("HTTP/1.0 200 OK\r\nContent-Type: " + contentType +
            "\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n");
        this.timeoutNs = timeoutNs;
    }

    @Override
    public int maxRequestBytes()
    {
        return MAX_HEAD_BYTES;
    }

    @Override
    public long timeoutNs()
    {
        return timeoutNs;
    }

    @Override
    public HandshakeResult onRequest(final SocketChannel channel, final ByteBuffer request)
    {
        final int end = headEnd(request);
        if (end < 0)
        {
            return HandshakeResult.needMore();
        }
        final byte[] bytes = new byte[end];
        request.get(0, bytes);
        final String head = new String(bytes, StandardCharsets.ISO_8859_1);
        final String[] parts = head.split("\r?\n", 2)[0].split(" ", -1);
        if (!requestLine(parts))
        {
            return refuse("400 Bad Request");
        }
        final boolean get = "GET".equals(parts[0]);
        if (!get && !"HEAD".equals(parts[0]))
        {
            return refuse("405 Method Not Allowed");
        }
        final Tokens required = tokens;
        if (required != null)
        {
            final String token;
            try
            {
                token = Tokens.presented(parts[1], head);
            }
            catch (final IllegalArgumentException ex)
            {
                return refuse("400 Bad Request"); // ?token= with a broken %-escape: a malformed request, README --http
            }
            if (token == null)
            {
                return unauthorized("401 Unauthorized", "WWW-Authenticate: Bearer\r\n");
            }
            if (!required.accepts(token))
            {
                return unauthorized("403 Forbidden", "");
            }
        }
        if (!get)
        {
            return HandshakeResult.close(ok.duplicate());
        }
        final int query = parts[1].indexOf('?');
        paths.put(channel, query < 0 ? parts[1] : parts[1].substring(0, query)); // never the token
        return HandshakeResult.add(ok.duplicate());
    }

    /**
     * A connection refused before its request (the client limit, per-address limit, access list):
     * 503 with Retry-After when the server is full, 403 when the address is denied.
     */
    @Override
    public HandshakeResult onRefused(final SocketChannel channel, final Refusal reason)
    {
        if (reason == Refusal.DENIED)
        {
            return HandshakeResult.close(status("403 Forbidden", ""));
        }
        return HandshakeResult.close(status("503 Service Unavailable", "Retry-After: " + RETRY_AFTER_S + "\r\n"));
    }

    /**
     * Any thread (SIGHUP): the tokens a GET must present from now on; connected clients are not
     * affected.
     *
     * @param required the tokens, or null for none required.
     */
    void tokens(final Tokens required)
    {
        tokens = required;
    }

    @Override
    public HandshakeResult onIncomplete(final SocketChannel channel, final HandshakeFailure failure)
    {
        // a client that closed first gets no answer; a too slow (slowloris) or oversized head gets 400
        return failure == HandshakeFailure.CLOSED ? HandshakeResult.close(null) : refuse("400 Bad Request");
    }

    /** Any thread: @return the request path of a connected HTTP client, or null. */
    String path(final SocketChannel channel)
    {
        return paths.get(channel);
    }

    /** Selector thread (clientSocketRemoved): the client is gone, its path too. */
    void forget(final SocketChannel channel)
    {
        paths.remove(channel);
    }

    /** Any thread: @return requests answered 400 or 405. */
    long badRequests()
    {
        return badRequests.get();
    }

    private HandshakeResult refuse(final String status)
    {
        badRequests.incrementAndGet();
        return HandshakeResult.close(status(status, ""));
    }

    private static HandshakeResult unauthorized(final String status, final String headers)
    {
        return HandshakeResult.refuse(status(status, headers), Refusal.UNAUTHORIZED);
    }

    private static ByteBuffer status(final String status, final String headers)
    {
        return ascii("HTTP/1.0 " + status + "\r\n" + headers + "Content-Length: 0\r\nConnection: close\r\n\r\n");
    }

    /**
     * A malformed request gets 400 (README, "The command line", {@code --http}): the request line
     * must be {@code METHOD SP TARGET SP HTTP/x.y} (RFC 9112 §3), one space apart, the method a
     * token, the target visible ASCII (no control byte, space or byte over 0x7E: the path is
     * logged and kept), the version {@code HTTP/} DIGIT {@code .} DIGIT.
     *
     * @param parts the request line split at every space.
     * @return whether it is a well-formed request line.
     */
    static boolean requestLine(final String[] parts)
    {
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty())
        {
            return false;
        }
        for (int i = 0; i < parts[0].length(); i++)
        {
            final char c = parts[0].charAt(i);
            if (c > 0x7E || !(Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0))
            {
                return false;
            }
        }
        for (int i = 0; i < parts[1].length(); i++)
        {
            if (parts[1].charAt(i) < 0x21 || parts[1].charAt(i) > 0x7E)
            {
                return false;
            }
        }
        final String version = parts[2];
        return version.length() == 8 && version.startsWith("HTTP/") && isDigit(version.charAt(5)) &&
            version.charAt(6) == '.' && isDigit(version.charAt(7));
    }

    private static boolean isDigit(final char c)
    {
        return c >= '0' && c <= '9';
    }

    /** @return the length of the request head through its blank line, or -1 if not complete yet. */
    static int headEnd(final ByteBuffer head)
    {
        final int n = head.limit();
        for (int i = 0; i < n; i++)
        {
            if (head.get(i) == '\n')
            {
                if (i + 1 < n && head.get(i + 1) == '\n')
                {
                    return i + 2;
                }
                if (i + 2 < n && head.get(i + 1) == '\r' && head.get(i + 2) == '\n')
                {
                    return i + 3;
                }
            }
        }
        return -1;
    }

    private static ByteBuffer ascii(final String text)
    {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1)).asReadOnlyBuffer();
    }
}
