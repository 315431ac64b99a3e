package io.fanout.sink.internal.sync;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test-only {@link QueueView} over a list kept in oldest-to-newest order, so that fixtures read
 * like the spec's B0 .. B9; the view itself is indexed as the interface wants (index 0 = newest).
 * The default keyframe searches and {@code bytesThrough} of {@link QueueView} are deliberately
 * NOT overridden here: they are part of what the tests exercise. {@link IndexedQueueView} is the
 * variant that overrides them.
 */
final class ListQueueView implements QueueView
{
    /** The pts of a buffer without a timestamp. */
    static final long NO_PTS = -1;

    /** One buffer: a display name (B6, 4, ...), its size, its pts in ns or {@link #NO_PTS}, and whether it is a keyframe. */
    record Buf(String name, int size, long ptsNs, boolean keyframe)
    {
        @Override
        public String toString()
        {
            return name + "(" + size + "B," + (ptsNs < 0 ? "nopts" : ptsNs / 1_000_000.0 + "ms") + (keyframe ? ",K" : "") + ")";
        }
    }

    private final List<Buf> oldestFirst;

    ListQueueView(final List<Buf> oldestFirst)
    {
        this.oldestFirst = new ArrayList<>(oldestFirst);
    }

    /**
     * Buffers {@code prefix}0 (oldest) .. {@code prefix}(count-1) (newest), each {@code size}
     * bytes, buffer k with pts {@code k * ptsStepNs} (or no pts when ptsStepNs &lt; 0), keyframes
     * at the given k.
     */
    static ListQueueView numbered(final String prefix, final int count, final int size, final long ptsStepNs, final int... keyframes)
    {
        final List<Buf> bufs = new ArrayList<>();
        for (int k = 0; k < count; k++)
        {
            bufs.add(numberedBuf(prefix, k, size, ptsStepNs, keyframes));
        }
        return new ListQueueView(bufs);
    }

    static Buf numberedBuf(final String prefix, final int k, final int size, final long ptsStepNs, final int... keyframes)
    {
        boolean kf = false;
        for (final int key : keyframes)
        {
            kf |= key == k;
        }
        return new Buf(prefix + k, size, ptsStepNs < 0 ? NO_PTS : k * ptsStepNs, kf);
    }

    /** Appends a buffer as the new newest (index 0). */
    void push(final Buf b)
    {
        oldestFirst.add(b);
    }

    /** Keeps buffers 0 .. index (the newest index+1), dropping older ones, as the trim of docs/semantics.md §4.2 step 8. */
    void trimToIndex(final int index)
    {
        while (oldestFirst.size() > index + 1)
        {
            oldestFirst.remove(0);
        }
    }

    Buf buf(final int index)
    {
        return oldestFirst.get(oldestFirst.size() - 1 - index);
    }

    String name(final int index)
    {
        return buf(index).name();
    }

    /** Names of the buffers a client starting at {@code start} is sent first, in sending order (start, start-1, .., 0); empty when start &lt; 0. */
    List<String> sentFrom(final int start)
    {
        final List<String> names = new ArrayList<>();
        for (int i = start; i >= 0; i--)
        {
            names.add(name(i));
        }
        return names;
    }

    /** Names in the view, oldest first. */
    List<String> namesOldestFirst()
    {
        return oldestFirst.stream().map(Buf::name).toList();
    }

    @Override
    public int length()
    {
        return oldestFirst.size();
    }

    @Override
    public int size(final int index)
    {
        return buf(index).size();
    }

    @Override
    public long ptsNs(final int index)
    {
        return buf(index).ptsNs();
    }

    @Override
    public boolean isKeyframe(final int index)
    {
        return buf(index).keyframe();
    }

    @Override
    public String toString()
    {
        return "oldest->newest " + oldestFirst;
    }

    private static final Pattern RANGE = Pattern.compile("^(\\D*)(\\d+)\\.\\.(\\D*)(\\d+)$");

    /**
     * Expands the spec's notation of what is sent: "none" (nothing), "B9" (one buffer) or
     * "B6..B9" (B6, B7, B8, B9), in sending order (oldest first).
     */
    static List<String> expand(final String spec)
    {
        final List<String> names = new ArrayList<>();
        if (spec.equals("none"))
        {
            return names;
        }
        final Matcher m = RANGE.matcher(spec);
        if (!m.matches())
        {
            names.add(spec);
            return names;
        }
        if (!m.group(1).equals(m.group(3)))
        {
            throw new IllegalArgumentException("range with two prefixes: " + spec);
        }
        final int from = Integer.parseInt(m.group(2));
        final int to = Integer.parseInt(m.group(4));
        for (int k = from; k <= to; k++)
        {
            names.add(m.group(1) + k);
        }
        return names;
    }
}
