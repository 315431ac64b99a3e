package io.fanout.sink.internal.agent;

/**
 * Where a client is in its life before removal (docs/design.md, "Per-client state machine"):
 * {@code NEW -> STREAMING}, or {@code NEW -> WAITING_KEYFRAME -> STREAMING}; recovery may send a
 * streaming client back to {@code WAITING_KEYFRAME}. Flushing is a status
 * ({@code ClientStatus.FLUSHING}) on a streaming client, and removal ends every state.
 */
enum ClientState
{
    /** Added; nothing is decided until the first buffer rendered after its add exists. */
    NEW,
    /** Waits for a keyframe at or after {@code Client.waitFromSeq()} (next-keyframe, or recovery). */
    WAITING_KEYFRAME,
    /** Positioned: sends from {@code Client.next}. */
    STREAMING
}
