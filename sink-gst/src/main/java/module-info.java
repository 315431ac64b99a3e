/**
 * fanout's GStreamer adapter: feeds a {@code MultiSocketSink} from a GStreamer pipeline that ends
 * in an {@code appsink}, in the same process, through gst1-java-core (JNA). A module of its own so
 * that {@code io.fanout.sink} needs neither JNA nor GStreamer. See docs/design.md, "GStreamer input".
 */
module io.fanout.gst
{
    requires transitive io.fanout.sink;
    requires org.freedesktop.gstreamer;
    requires com.sun.jna;
    requires org.slf4j;

    exports io.fanout.gst;
}
