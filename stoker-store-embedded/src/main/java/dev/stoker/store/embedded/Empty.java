package dev.stoker.store.embedded;

/** The value of index entries, whose information is all in the key. */
final class Empty {
  private Empty() {}

  static final byte[] BYTES = new byte[0];
}
