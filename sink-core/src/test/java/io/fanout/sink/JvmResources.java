package io.fanout.sink;

import com.sun.management.UnixOperatingSystemMXBean;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * What the test JVM holds: open file descriptors, live threads, heap after a collection, direct
 * memory. For the reliability tests that check a sink returns what it took.
 */
final class JvmResources
{
    private JvmResources()
    {
    }

    /** @return open file descriptors of this process, or -1 where the platform does not say. */
    static long openFds()
    {
        final OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof UnixOperatingSystemMXBean unix ? unix.getOpenFileDescriptorCount() : -1;
    }

    /** @return the most file descriptors this process may open, or -1 where the platform does not say. */
    static long maxFds()
    {
        final OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : -1;
    }

    /** @return live threads. */
    static int threads()
    {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    /** @return live threads whose name starts with {@code prefix}. */
    static long threadsNamed(final String prefix)
    {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)).count();
    }

    /** @return bytes of direct buffers not yet freed. */
    static long directUsed()
    {
        for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class))
        {
            if ("direct".equals(pool.getName()))
            {
                return pool.getMemoryUsed();
            }
        }
        return 0;
    }

    /** @return heap bytes in use right after a full collection. */
    static long heapAfterGc()
    {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
