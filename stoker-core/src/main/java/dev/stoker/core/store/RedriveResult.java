package dev.stoker.core.store;

/**
 * What a redrive did.
 *
 * @param moved how many dead tasks went back to pending
 * @param skipped how many dead tasks it passed over because a live task of the queue holds their
 *     unique key (they stay dead; see {@link TaskStore#queueRedrive})
 */
public record RedriveResult(int moved, int skipped) {
  public static final RedriveResult NONE = new RedriveResult(0, 0);
}
