package dev.stoker.store.etcd;

/**
 * etcd's role-based authentication: the user Stoker logs in as. jetcd gets the token and gets a new
 * one when etcd no longer knows it. The user needs a role with readwrite on the key prefix
 * (docs/backends/etcd.md, Security).
 */
public record EtcdAuth(String user, String password) {
  public EtcdAuth {
    if (user == null || user.isEmpty()) {
      throw new IllegalArgumentException("the etcd user is empty");
    }
    if (password == null || password.isEmpty()) {
      throw new IllegalArgumentException("the etcd password of user '" + user + "' is empty");
    }
  }

  /** Without the password, which must not reach logs. */
  @Override
  public String toString() {
    return "EtcdAuth[user=" + user + "]";
  }
}
