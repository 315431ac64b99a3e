package io.fanout.sink;

/** What a {@link ClientFilter} decides for one client. */
public enum FilterResult
{
    /** Remove the client with status {@link ClientStatus#REMOVED}. */
    REMOVE,
    /** Keep the client and do not return it. */
    KEEP,
    /** Keep the client and return its channel from {@link MultiSocketSink#clientFilter}. */
    REF
}
