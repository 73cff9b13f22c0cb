/*
 * powerfs: a FUSE filesystem that can lose, on command, every write that was not made durable, as a
 * power cut loses a disk's page cache. Built and started by bin/powerfs; what it models and what it
 * does not is in docs/reliability.md ("The power fault").
 *
 *   powerfs [--watch-stdin] BACKING MOUNTPOINT [FUSE options]
 *
 * Files live in BACKING/root, passed through, so reads see every write at once (as from a page
 * cache). What is not durable yet is remembered as the way to undo it:
 *   - a write or truncate of a file keeps the file's size before it and any bytes it overwrote,
 *     until the file is fsync'd or fdatasync'd;
 *   - a create, mkdir, link, symlink, unlink, rmdir or rename keeps how to reverse it until every
 *     directory it changed is fsync'd (an unlinked file or a replaced rename target is moved to
 *     BACKING/graveyard meanwhile, so that it can come back).
 * Writing "cut" to MOUNTPOINT/.powerfs undoes all of it, file contents first, then the directory
 * changes newest first: the filesystem is left as the disk would be after a power cut. "tear" does
 * the same, except that a file whose unsynced changes are only appends keeps a random prefix of
 * them (a torn tail: some of its pages reached the disk). Reading .powerfs gives counters.
 * The file system is single-threaded (-s), so a cut falls between two operations, never inside one.
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <fuse.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define CONTROL "/.powerfs"
#define CONTROL_FH ((uint64_t) -1)

static int root_fd = -1;
static int grave_fd = -1;
static unsigned long grave_seq;

static struct {
  unsigned long cuts, dropped_writes, dropped_bytes, dropped_entries, torn_files;
} counters;

/* ---- file contents not yet durable ---- */

/* One write or truncate to undo: set the size back to old_size, then put back the bytes it overwrote. */
struct change {
  off_t old_size;
  off_t off;
  size_t n;
  char *saved;
  struct change *prev;
};

/* A file with changes since its last fsync, by inode (names change; the inode does not). */
struct file {
  dev_t dev;
  ino_t ino;
  int fd; /* opened read-write on the file, to undo through whatever its name is by then */
  int only_appends;
  struct change *last;
  struct file *next;
};

static struct file *files;

static struct file *file_of(int fd, const struct stat *st) {
  for (struct file *f = files; f; f = f->next) {
    if (f->dev == st->st_dev && f->ino == st->st_ino) return f;
  }
  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  int own = open(proc, O_RDWR | O_CLOEXEC);
  if (own < 0) return NULL;
  struct file *f = calloc(1, sizeof *f);
  f->dev = st->st_dev;
  f->ino = st->st_ino;
  f->fd = own;
  f->only_appends = 1;
  f->next = files;
  files = f;
  return f;
}

/* Remembers how to undo a change of [off, off + n) (a write), or of the size to off (a truncate: n = 0). */
static int remember(int fd, off_t off, size_t n, int truncate) {
  struct stat st;
  if (fstat(fd, &st) < 0) return -errno;
  if (!S_ISREG(st.st_mode)) return 0;
  struct file *f = file_of(fd, &st);
  if (!f) return -errno;
  struct change *c = calloc(1, sizeof *c);
  c->old_size = st.st_size;
  off_t end = truncate ? st.st_size : (off + (off_t) n < st.st_size ? off + (off_t) n : st.st_size);
  if (off < end) {
    c->off = off;
    c->n = (size_t) (end - off);
    c->saved = malloc(c->n);
    if (pread(f->fd, c->saved, c->n, off) != (ssize_t) c->n) {
      free(c->saved);
      free(c);
      return -EIO;
    }
  }
  if (truncate || off < st.st_size) f->only_appends = 0;
  c->prev = f->last;
  f->last = c;
  return 0;
}

static void free_changes(struct file *f) {
  for (struct change *c = f->last, *p; c; c = p) {
    p = c->prev;
    free(c->saved);
    free(c);
  }
  f->last = NULL;
}

/* fsync/fdatasync: the file's contents are durable (its name is not: that takes the directory's fsync). */
static void durable(int fd) {
  struct stat st;
  if (fstat(fd, &st) < 0) return;
  for (struct file **p = &files; *p; p = &(*p)->next) {
    struct file *f = *p;
    if (f->dev == st.st_dev && f->ino == st.st_ino) {
      free_changes(f);
      close(f->fd);
      *p = f->next;
      free(f);
      return;
    }
  }
}

static void undo_contents(int tear) {
  for (struct file *f = files, *next; f; f = next) {
    next = f->next;
    struct change *first = f->last;
    unsigned long writes = 0;
    while (first && first->prev) {
      first = first->prev;
      writes++;
    }
    if (first) writes++;
    struct stat st;
    if (tear && f->only_appends && first && fstat(f->fd, &st) == 0 && st.st_size > first->old_size) {
      off_t keep = first->old_size + (off_t) (random() % (st.st_size - first->old_size + 1));
      counters.dropped_bytes += (unsigned long) (st.st_size - keep);
      counters.torn_files++;
      if (ftruncate(f->fd, keep) < 0) perror("powerfs: tear");
    } else {
      for (struct change *c = f->last; c; c = c->prev) {
        if (fstat(f->fd, &st) == 0 && st.st_size > c->old_size) {
          counters.dropped_bytes += (unsigned long) (st.st_size - c->old_size);
        }
        if (ftruncate(f->fd, c->old_size) < 0) perror("powerfs: undo truncate");
        if (c->saved && pwrite(f->fd, c->saved, c->n, c->off) != (ssize_t) c->n) perror("powerfs: undo write");
        counters.dropped_bytes += c->n;
      }
    }
    counters.dropped_writes += writes;
    free_changes(f);
    close(f->fd);
    free(f);
  }
  files = NULL;
}

/* ---- directory entries not yet durable ---- */

enum kind { CREATED, MADE_DIR, LINKED, REMOVED, REMOVED_DIR, RENAMED };

/* A change of directory entries, and the directories (by inode) whose fsync makes it durable. */
struct entry {
  enum kind kind;
  char *a, *b;      /* the path; for a rename, from a to b */
  char *grave;      /* where a removed entry, or a rename's replaced target, waits */
  ino_t dir[2];
  int dirs;
  int synced[2];
  struct entry *prev, *next;
};

static struct entry *oldest, *newest;

static const char *rel(const char *path) {
  return path[1] ? path + 1 : ".";
}

static ino_t parent_ino(const char *path) {
  char buf[PATH_MAX];
  snprintf(buf, sizeof buf, "%s", path);
  char *slash = strrchr(buf, '/');
  struct stat st;
  if (slash == buf) return fstatat(root_fd, ".", &st, 0) == 0 ? st.st_ino : 0;
  *slash = 0;
  return fstatat(root_fd, buf + 1, &st, 0) == 0 ? st.st_ino : 0;
}

static struct entry *log_entry(enum kind kind, const char *a, const char *b, char *grave) {
  struct entry *e = calloc(1, sizeof *e);
  e->kind = kind;
  e->a = strdup(rel(a));
  e->b = b ? strdup(rel(b)) : NULL;
  e->grave = grave;
  e->dir[0] = parent_ino(kind == RENAMED ? b : a);
  e->dirs = 1;
  if (kind == RENAMED) {
    ino_t from = parent_ino(a);
    if (from != e->dir[0]) e->dir[e->dirs++] = from;
  }
  e->prev = newest;
  if (newest) newest->next = e; else oldest = e;
  newest = e;
  return e;
}

static void unlink_entry(struct entry *e) {
  if (e->prev) e->prev->next = e->next; else oldest = e->next;
  if (e->next) e->next->prev = e->prev; else newest = e->prev;
  free(e->a);
  free(e->b);
  free(e->grave);
  free(e);
}

static void bury_for_good(const char *grave) {
  if (grave && unlinkat(grave_fd, grave, 0) < 0) unlinkat(grave_fd, grave, AT_REMOVEDIR);
}

/* fsync of a directory: the entry changes in it are durable once all their directories are. */
static void durable_dir(ino_t dir) {
  for (struct entry *e = oldest, *next; e; e = next) {
    next = e->next;
    int all = 1;
    for (int i = 0; i < e->dirs; i++) {
      if (e->dir[i] == dir) e->synced[i] = 1;
      all &= e->synced[i];
    }
    if (all) {
      bury_for_good(e->grave);
      unlink_entry(e);
    }
  }
}

/* Moves the entry at path (relative to root) to the graveyard; returns its name there, or NULL. */
static char *to_grave(const char *relpath) {
  char name[32];
  snprintf(name, sizeof name, "g%lu", ++grave_seq);
  if (renameat(root_fd, relpath, grave_fd, name) < 0) return NULL;
  return strdup(name);
}

static void undo_entries(void) {
  while (newest) {
    struct entry *e = newest;
    int r = 0;
    switch (e->kind) {
      case CREATED:
      case LINKED:
        r = unlinkat(root_fd, e->a, 0);
        break;
      case MADE_DIR:
        r = unlinkat(root_fd, e->a, AT_REMOVEDIR);
        break;
      case REMOVED:
      case REMOVED_DIR:
        r = renameat(grave_fd, e->grave, root_fd, e->a);
        break;
      case RENAMED:
        r = renameat(root_fd, e->b, root_fd, e->a);
        if (r == 0 && e->grave) r = renameat(grave_fd, e->grave, root_fd, e->b);
        break;
    }
    if (r < 0) fprintf(stderr, "powerfs: cannot undo a change of %s: %s\n", e->a, strerror(errno));
    counters.dropped_entries++;
    free(e->grave);
    e->grave = NULL;
    unlink_entry(e);
  }
}

static void cut(int tear) {
  undo_contents(tear);
  undo_entries();
  counters.cuts++;
}

/* ---- the control file ---- */

static int control_write(const char *buf, size_t size) {
  if (size >= 3 && strncmp(buf, "cut", 3) == 0) {
    cut(0);
  } else if (size >= 4 && strncmp(buf, "tear", 4) == 0) {
    cut(1);
  } else {
    return -EINVAL;
  }
  return (int) size;
}

static int control_read(char *buf, size_t size, off_t off) {
  unsigned long pending_files = 0, pending_entries = 0;
  for (struct file *f = files; f; f = f->next) pending_files++;
  for (struct entry *e = oldest; e; e = e->next) pending_entries++;
  char text[512];
  int n = snprintf(text, sizeof text,
      "cuts %lu\ndropped_writes %lu\ndropped_bytes %lu\ndropped_entries %lu\ntorn_files %lu\n"
      "unsynced_files %lu\nunsynced_entries %lu\n", counters.cuts, counters.dropped_writes,
      counters.dropped_bytes, counters.dropped_entries, counters.torn_files, pending_files, pending_entries);
  if (off >= n) return 0;
  size_t len = (size_t) (n - off) < size ? (size_t) (n - off) : size;
  memcpy(buf, text + off, len);
  return (int) len;
}

/* ---- the operations ---- */

static void *pf_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
  (void) conn;
  cfg->use_ino = 1;
  cfg->hard_remove = 1; /* unlink an open file for real (to the graveyard), not to .fuse_hidden */
  cfg->entry_timeout = 0;
  cfg->attr_timeout = 0;
  cfg->negative_timeout = 0;
  cfg->kernel_cache = 0;
  return NULL;
}

static int pf_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  if (strcmp(path, CONTROL) == 0) {
    memset(st, 0, sizeof *st);
    st->st_mode = S_IFREG | 0600;
    st->st_nlink = 1;
    return 0;
  }
  int r = fi && fi->fh != CONTROL_FH ? fstat((int) fi->fh, st) : fstatat(root_fd, rel(path), st, AT_SYMLINK_NOFOLLOW);
  return r < 0 ? -errno : 0;
}

static int pf_access(const char *path, int mask) {
  if (strcmp(path, CONTROL) == 0) return 0;
  return faccessat(root_fd, rel(path), mask, 0) < 0 ? -errno : 0;
}

static int pf_readlink(const char *path, char *buf, size_t size) {
  ssize_t n = readlinkat(root_fd, rel(path), buf, size - 1);
  if (n < 0) return -errno;
  buf[n] = 0;
  return 0;
}

static int pf_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
    enum fuse_readdir_flags flags) {
  (void) off, (void) fi, (void) flags;
  int fd = openat(root_fd, rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -errno;
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return -errno;
  }
  for (struct dirent *de; (de = readdir(d));) {
    struct stat st = {.st_ino = de->d_ino, .st_mode = (mode_t) de->d_type << 12};
    if (fill(buf, de->d_name, &st, 0, 0)) break;
  }
  closedir(d);
  return 0;
}

static int pf_mkdir(const char *path, mode_t mode) {
  if (mkdirat(root_fd, rel(path), mode) < 0) return -errno;
  log_entry(MADE_DIR, path, NULL, NULL);
  return 0;
}

static int pf_symlink(const char *target, const char *path) {
  if (symlinkat(target, root_fd, rel(path)) < 0) return -errno;
  log_entry(CREATED, path, NULL, NULL);
  return 0;
}

static int pf_link(const char *from, const char *to) {
  if (linkat(root_fd, rel(from), root_fd, rel(to), 0) < 0) return -errno;
  log_entry(LINKED, to, NULL, NULL);
  return 0;
}

static int pf_unlink(const char *path) {
  if (strcmp(path, CONTROL) == 0) return -EPERM;
  struct stat st;
  if (fstatat(root_fd, rel(path), &st, AT_SYMLINK_NOFOLLOW) < 0) return -errno;
  if (S_ISDIR(st.st_mode)) return -EISDIR;
  char *grave = to_grave(rel(path));
  if (!grave) return -errno;
  log_entry(REMOVED, path, NULL, grave);
  return 0;
}

static int pf_rmdir(const char *path) {
  int fd = openat(root_fd, rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -errno;
  DIR *d = fdopendir(fd);
  int empty = 1;
  for (struct dirent *de; d && (de = readdir(d));) {
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) empty = 0;
  }
  if (d) closedir(d); else close(fd);
  if (!empty) return -ENOTEMPTY;
  char *grave = to_grave(rel(path));
  if (!grave) return -errno;
  log_entry(REMOVED_DIR, path, NULL, grave);
  return 0;
}

static int pf_rename(const char *from, const char *to, unsigned int flags) {
  if (flags & ~RENAME_NOREPLACE) return -EINVAL;
  struct stat st;
  char *grave = NULL;
  if (fstatat(root_fd, rel(to), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (flags & RENAME_NOREPLACE) return -EEXIST;
    if (S_ISDIR(st.st_mode)) return -EISDIR; /* not needed by the programs tested; keep it simple */
    if (!(grave = to_grave(rel(to)))) return -errno;
  }
  if (renameat(root_fd, rel(from), root_fd, rel(to)) < 0) {
    int err = errno;
    if (grave) renameat(grave_fd, grave, root_fd, rel(to));
    free(grave);
    return -err;
  }
  log_entry(RENAMED, from, to, grave);
  return 0;
}

static int pf_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
  int r = fi ? fchmod((int) fi->fh, mode) : fchmodat(root_fd, rel(path), mode, 0);
  return r < 0 ? -errno : 0;
}

static int pf_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi) {
  int r = fi ? fchown((int) fi->fh, uid, gid) : fchownat(root_fd, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW);
  return r < 0 ? -errno : 0;
}

static int pf_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi) {
  int r = fi ? futimens((int) fi->fh, tv) : utimensat(root_fd, rel(path), tv, AT_SYMLINK_NOFOLLOW);
  return r < 0 ? -errno : 0;
}

static int pf_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
  if (strcmp(path, CONTROL) == 0) return 0;
  int fd = fi ? (int) fi->fh : openat(root_fd, rel(path), O_RDWR | O_CLOEXEC);
  if (fd < 0) return -errno;
  int r = remember(fd, size, 0, 1);
  if (r == 0 && ftruncate(fd, size) < 0) r = -errno;
  if (!fi) close(fd);
  return r;
}

/* O_TRUNC on an existing file, as an undoable truncate; closes fd when it fails. */
static int truncate_opened(int fd) {
  int r = remember(fd, 0, 0, 1);
  if (r == 0 && ftruncate(fd, 0) < 0) r = -errno;
  if (r < 0) close(fd);
  return r;
}

static int pf_create(const char *path, mode_t mode, struct fuse_file_info *fi) {
  if (strcmp(path, CONTROL) == 0) return -EEXIST;
  struct stat st;
  int existed = fstatat(root_fd, rel(path), &st, AT_SYMLINK_NOFOLLOW) == 0;
  int flags = fi->flags & ~O_TRUNC;
  int fd = openat(root_fd, rel(path), flags | O_CREAT | O_CLOEXEC, mode);
  if (fd < 0) return -errno;
  if (!existed) log_entry(CREATED, path, NULL, NULL);
  if (existed && (fi->flags & O_TRUNC)) {
    int r = truncate_opened(fd);
    if (r < 0) return r;
  }
  fi->fh = (uint64_t) fd;
  return 0;
}

static int pf_open(const char *path, struct fuse_file_info *fi) {
  if (strcmp(path, CONTROL) == 0) {
    fi->fh = CONTROL_FH;
    fi->direct_io = 1;
    return 0;
  }
  int fd = openat(root_fd, rel(path), (fi->flags & ~O_TRUNC) | O_CLOEXEC);
  if (fd < 0) return -errno;
  if (fi->flags & O_TRUNC) {
    int r = truncate_opened(fd);
    if (r < 0) return r;
  }
  fi->fh = (uint64_t) fd;
  return 0;
}

static int pf_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void) path;
  if (fi->fh == CONTROL_FH) return control_read(buf, size, off);
  ssize_t n = pread((int) fi->fh, buf, size, off);
  return n < 0 ? -errno : (int) n;
}

static int pf_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void) path;
  if (fi->fh == CONTROL_FH) return control_write(buf, size);
  int fd = (int) fi->fh;
  if (fcntl(fd, F_GETFL) & O_APPEND) {
    struct stat st;
    if (fstat(fd, &st) < 0) return -errno;
    off = st.st_size;
  }
  int r = remember(fd, off, size, 0);
  if (r < 0) return r;
  ssize_t n = pwrite(fd, buf, size, off);
  return n < 0 ? -errno : (int) n;
}

static int pf_statfs(const char *path, struct statvfs *st) {
  (void) path;
  return fstatvfs(root_fd, st) < 0 ? -errno : 0;
}

static int pf_flush(const char *path, struct fuse_file_info *fi) {
  (void) path, (void) fi;
  return 0;
}

static int pf_release(const char *path, struct fuse_file_info *fi) {
  (void) path;
  if (fi->fh != CONTROL_FH) close((int) fi->fh);
  return 0;
}

static int pf_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
  (void) path, (void) datasync;
  if (fi->fh == CONTROL_FH) return 0;
  durable((int) fi->fh);
  return 0;
}

static int pf_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi) {
  (void) datasync, (void) fi;
  struct stat st;
  if (fstatat(root_fd, rel(path), &st, 0) < 0) return -errno;
  durable_dir(st.st_ino);
  return 0;
}

static int pf_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi) {
  (void) path, (void) mode, (void) off, (void) len, (void) fi;
  return -EOPNOTSUPP; /* callers (RocksDB's preallocation) fall back to plain writes */
}

static const struct fuse_operations ops = {
  .init = pf_init,
  .getattr = pf_getattr,
  .access = pf_access,
  .readlink = pf_readlink,
  .readdir = pf_readdir,
  .mkdir = pf_mkdir,
  .symlink = pf_symlink,
  .link = pf_link,
  .unlink = pf_unlink,
  .rmdir = pf_rmdir,
  .rename = pf_rename,
  .chmod = pf_chmod,
  .chown = pf_chown,
  .utimens = pf_utimens,
  .truncate = pf_truncate,
  .create = pf_create,
  .open = pf_open,
  .read = pf_read,
  .write = pf_write,
  .statfs = pf_statfs,
  .flush = pf_flush,
  .release = pf_release,
  .fsync = pf_fsync,
  .fsyncdir = pf_fsyncdir,
  .fallocate = pf_fallocate,
};

/* With --watch-stdin, the file system ends (and auto_unmount unmounts it) when its parent goes. */
static void *watch_stdin(void *arg) {
  (void) arg;
  char b[64];
  while (read(0, b, sizeof b) > 0) {
  }
  _exit(0);
  return NULL;
}

int main(int argc, char **argv) {
  int watch = argc > 1 && strcmp(argv[1], "--watch-stdin") == 0;
  if (watch) {
    argv[1] = argv[0];
    argv++;
    argc--;
  }
  if (argc < 3) {
    fprintf(stderr, "usage: powerfs [--watch-stdin] BACKING MOUNTPOINT [FUSE options]\n");
    return 2;
  }
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s/root", argv[1]);
  mkdir(argv[1], 0755);
  mkdir(dir, 0755);
  root_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  snprintf(dir, sizeof dir, "%s/graveyard", argv[1]);
  mkdir(dir, 0700);
  grave_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0 || grave_fd < 0) {
    perror("powerfs: backing directory");
    return 1;
  }
  struct timeval now;
  gettimeofday(&now, NULL);
  srandom((unsigned) (now.tv_sec ^ now.tv_usec ^ getpid()));
  umask(0);
  /* argv without BACKING: powerfs MOUNTPOINT -f -s [options...] */
  char **args = calloc((size_t) argc + 4, sizeof *args);
  int n = 0;
  args[n++] = argv[0];
  for (int i = 2; i < argc; i++) args[n++] = argv[i];
  args[n++] = "-f";
  args[n++] = "-s";
  if (watch) {
    args[n++] = "-oauto_unmount";
    pthread_t t;
    pthread_create(&t, NULL, watch_stdin, NULL);
  }
  return fuse_main(n, args, &ops, NULL);
}
