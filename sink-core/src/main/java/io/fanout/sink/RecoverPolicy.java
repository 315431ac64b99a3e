package io.fanout.sink;

/** What happens to a client that lags past the soft limit, as multihandlesink's {@code recover-policy}. */
public enum RecoverPolicy
{
    /** Nothing: the client keeps lagging until the hard limit removes it ({@code none}). The default. */
    NONE,
    /** Jump to the newest buffer ({@code resync-latest}). */
    RESYNC_LATEST,
    /** Jump to the soft limit ({@code resync-soft-limit}). */
    RESYNC_SOFT_LIMIT,
    /** Jump to the newest keyframe inside the soft window, else wait for the next keyframe (docs/semantics.md A.2.3). */
    RESYNC_KEYFRAME
}
