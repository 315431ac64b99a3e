package io.fanout.cli;

import io.fanout.sink.HandshakeFailure;
import io.fanout.sink.HandshakeResult;
import io.fanout.sink.Refusal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP request head and its answers, without a socket: status lines, tokens, refusals. */
class HttpHandshakeTest
{
    @TempDir
    Path dir;

    private final HttpHandshake http = new HttpHandshake("video/mp2t", HttpHandshake.DEFAULT_TIMEOUT_NS);

    private static ByteBuffer request(final String text)
    {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1)).asReadOnlyBuffer();
    }

    private static String answer(final HandshakeResult result)
    {
        return result.response() == null ? "" : StandardCharsets.ISO_8859_1.decode(result.response().duplicate()).toString();
    }

    private HandshakeResult send(final SocketChannel channel, final String text)
    {
        return http.onRequest(channel, request(text));
    }

    private void requireTokens(final String... lines) throws IOException
    {
        final Path file = dir.resolve("tokens");
        Files.writeString(file, String.join("\n", lines) + "\n");
        http.tokens(Tokens.read(file));
    }

    @Test
    void aGetIsAddedWithItsContentTypeAndItsPathIsKept() throws IOException
    {
        try (SocketChannel channel = SocketChannel.open())
        {
            assertEquals(HandshakeResult.Kind.NEED_MORE, send(channel, "GET /live HTTP/1.1\r\nHost: x\r\n").kind());
            final HandshakeResult result = send(channel, "GET /live HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(HandshakeResult.Kind.ADD, result.kind());
            assertTrue(answer(result).startsWith("HTTP/1.0 200 OK\r\nContent-Type: video/mp2t\r\n"));
            assertEquals("/live", http.path(channel));
            http.forget(channel);
            assertNull(http.path(channel));
        }
    }

    @Test
    void badRequestsGet400And405AndAreCounted()
    {
        assertTrue(answer(send(null, "HELLO\r\n\r\n")).startsWith("HTTP/1.0 400 Bad Request"));
        assertTrue(answer(send(null, "POST / HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.0 405 Method Not Allowed"));
        assertTrue(answer(http.onIncomplete(null, HandshakeFailure.TIMEOUT)).startsWith("HTTP/1.0 400"));
        assertEquals("", answer(http.onIncomplete(null, HandshakeFailure.CLOSED)), "a client that left gets nothing");
        assertEquals(3, http.badRequests());
    }

    @Test
    void withTokensAGetNeedsOneInTheQueryOrTheHeader() throws IOException
    {
        requireTokens("# stream tokens", "alpha", "", "beta");
        final HandshakeResult none = send(null, "GET /live HTTP/1.1\r\n\r\n");
        assertTrue(answer(none).startsWith("HTTP/1.0 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\n"), answer(none));
        assertEquals(Refusal.UNAUTHORIZED, none.refusal());
        final HandshakeResult wrong = send(null, "GET /live?token=gamma HTTP/1.1\r\n\r\n");
        assertTrue(answer(wrong).startsWith("HTTP/1.0 403 Forbidden"), answer(wrong));
        assertEquals(Refusal.UNAUTHORIZED, wrong.refusal());
        try (SocketChannel channel = SocketChannel.open())
        {
            final HandshakeResult query = send(channel, "GET /live?x=1&token=alpha HTTP/1.1\r\n\r\n");
            assertEquals(HandshakeResult.Kind.ADD, query.kind());
            assertEquals("/live", http.path(channel), "the token never leaves the request");
        }
        try (SocketChannel channel = SocketChannel.open())
        {
            assertEquals(HandshakeResult.Kind.ADD,
                send(channel, "GET / HTTP/1.1\r\nauthorization: bearer beta\r\n\r\n").kind());
            assertFalse(answer(send(channel, "GET / HTTP/1.1\r\nAuthorization: Bearer alph\r\n\r\n")).contains("200"),
                "a prefix of a token is not a token");
        }
    }

    @Test
    void aRefusedConnectionIsToldWhy()
    {
        final String full = answer(http.onRefused(null, Refusal.MAX_CLIENTS));
        assertTrue(full.startsWith("HTTP/1.0 503 Service Unavailable\r\nRetry-After: 5\r\n"), full);
        assertTrue(answer(http.onRefused(null, Refusal.MAX_CLIENTS_PER_IP)).startsWith("HTTP/1.0 503"));
        assertTrue(answer(http.onRefused(null, Refusal.DENIED)).startsWith("HTTP/1.0 403 Forbidden"));
    }

    @Test
    void aTokenFileWithoutTokensOrWithSpacesIsRefused() throws IOException
    {
        final Path empty = dir.resolve("empty");
        Files.writeString(empty, "# nothing\n\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Tokens.read(empty)).getMessage().contains("no token"));
        final Path spaced = dir.resolve("spaced");
        Files.writeString(spaced, "good\nbad token\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Tokens.read(spaced)).getMessage().contains("line 2"));
    }
}
