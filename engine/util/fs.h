/* fs.h - the small file-system interface the configuration loader reads
 * through.  The loader never touches the disk directly: `stk validate DIR`
 * hands it the OS implementation below; a later issue adds one reading the
 * files of a git commit (libgit2), so a plan can be made from history.
 *
 * Paths are '/'-separated.  Every call returns 0 on success or -1 with *err
 * set to a malloc'd message (caller frees).
 *
 * Ownership: read() returns a malloc'd buffer (NUL-terminated, *len bytes
 * before the NUL); list() returns a malloc'd array of malloc'd names,
 * sorted in byte order, without "." and ".." (free with stk_fs_names_free).
 */
#ifndef STK_FS_H
#define STK_FS_H
#include <stddef.h>

typedef struct stk_fs stk_fs;

struct stk_fs {
    int (*read)(const stk_fs *fs, const char *path, char **data, size_t *len, char **err);
    /* names of the regular files and directories in dir (sorted); *is_dir
       (malloc'd array parallel to the names, may be requested as NULL) */
    int (*list)(const stk_fs *fs, const char *dir, char ***names, size_t *n,
                unsigned char **is_dir, char **err);
    /* 1 file, 2 directory, 0 absent */
    int (*exists)(const stk_fs *fs, const char *path);
    void *ud;
};

/* The local disk. */
const stk_fs *stk_fs_os(void);

static inline int stk_fs_read(const stk_fs *fs, const char *path, char **data, size_t *len, char **err)
{ return fs->read(fs, path, data, len, err); }
static inline int stk_fs_list(const stk_fs *fs, const char *dir, char ***names, size_t *n,
                              unsigned char **is_dir, char **err)
{ return fs->list(fs, dir, names, n, is_dir, err); }
static inline int stk_fs_exists(const stk_fs *fs, const char *path)
{ return fs->exists(fs, path); }

void stk_fs_names_free(char **names, size_t n);

/* Path helpers (pure string operations, no file-system access).
   stk_path_join("a/b", "../c") == "a/c"; an absolute rel is returned
   cleaned.  stk_path_clean removes "." segments, folds "x/.." and
   duplicate slashes; "" becomes ".".  Both return malloc'd strings. */
char *stk_path_join(const char *base, const char *rel);
char *stk_path_clean(const char *p);
/* Position of the last path component ("a/b.tf" -> "b.tf"). */
const char *stk_path_base(const char *p);

#endif
