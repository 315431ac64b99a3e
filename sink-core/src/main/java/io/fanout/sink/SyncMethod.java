package io.fanout.sink;

/**
 * Where a new client starts in the stream, as multihandlesink's {@code sync-method}.
 * <p>
 * Whatever the method, nothing is sent to a client before the first buffer rendered after its
 * {@code add} returned, and its start position is computed from the retained queue as it stood
 * when that buffer was queued (docs/semantics.md Part A.1).
 */
public enum SyncMethod
{
    /** Start with the first buffer rendered after the add ({@code sync-method=latest}). The default. */
    LATEST,
    /** Wait for the next keyframe ({@code sync-method=next-keyframe}). */
    NEXT_KEYFRAME,
    /** Start at the newest retained keyframe, else wait for the next one ({@code latest-keyframe}). */
    LATEST_KEYFRAME,
    /** Start with a burst of at least the burst minimum and under its maximum ({@code burst}). */
    BURST,
    /** A burst that starts on a keyframe ({@code burst-keyframe}). */
    BURST_KEYFRAME,
    /** A burst on a keyframe when one fits under the maximum, else a plain burst ({@code burst-with-keyframe}). */
    BURST_WITH_KEYFRAME
}
