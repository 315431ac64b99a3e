package io.fanout.sink;

import io.fanout.sink.TestSupport.EventRecorder;
import io.fanout.sink.TestSupport.Loopback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.io.IOException;

/**
 * The fixture shared by the loopback scenario tests: a {@link Loopback} for client pairs, and a
 * started sink whose events are recorded. Everything is closed after each test.
 */
abstract class LoopbackSinkTest
{
    Loopback loopback;
    MultiSocketSink sink;
    EventRecorder events;

    @BeforeEach
    void openLoopback() throws IOException
    {
        loopback = new Loopback();
    }

    @AfterEach
    void closeSinkAndLoopback()
    {
        beforeClose();
        try
        {
            if (sink != null)
            {
                sink.close();
            }
        }
        finally
        {
            loopback.close();
        }
    }

    /** Runs first at the end of each test (release what could hold the selector thread). */
    void beforeClose()
    {
    }

    /** Listeners to add before the event recorder, for a test class that needs its own. */
    void addListeners(final MultiSocketSink sink)
    {
    }

    /** Starts a sink with this configuration and records its events. */
    MultiSocketSink startSink(final SinkConfig config)
    {
        sink = new MultiSocketSink(config);
        events = new EventRecorder(ch -> sink.getStats(ch));
        addListeners(sink);
        sink.addListener(events);
        sink.start();
        return sink;
    }
}
