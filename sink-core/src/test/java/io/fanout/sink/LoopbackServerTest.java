package io.fanout.sink;

import io.fanout.sink.TestSupport.EventRecorder;
import io.fanout.sink.TestSupport.Loopback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.io.IOException;

/**
 * The fixture shared by the {@link TcpServerSink} tests on loopback: a {@link Loopback} that closes
 * every client after each test, and at most one server, started with its events recorded and
 * closed after each test.
 */
abstract class LoopbackServerTest
{
    Loopback resources;
    TcpServerSink server;

    @BeforeEach
    void openLoopback() throws IOException
    {
        resources = new Loopback();
    }

    @AfterEach
    void closeServerAndLoopback()
    {
        try
        {
            if (server != null)
            {
                server.close();
            }
        }
        finally
        {
            resources.close();
        }
    }

    /** Starts {@code s} (it becomes {@link #server}) and records its sink's events. */
    EventRecorder start(final TcpServerSink s) throws IOException
    {
        server = s;
        final EventRecorder events = new EventRecorder(ch -> s.sink().getStats(ch));
        s.sink().addListener(events);
        s.start();
        return events;
    }
}
