package dev.stoker.jmh;

/** The task parameters every benchmark uses: ~200 bytes of JSON, as in {@code stoker bench}. */
public final class Payload {
  private Payload() {}

  public static final String PARAMS = "{\"n\":1,\"pad\":\"" + "x".repeat(180) + "\"}";
}
