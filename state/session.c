/* session.c - lock + open + history around a command (see session.h). */
#include "session.h"
#include "journal.h"
#include "workspace.h"
#include "util/strbuf.h"
#include <stdlib.h>
#include <string.h>

int stk_session_open(const char *dir, const stk_session_opts *o, stk_state_session *s, stk_diags *d)
{
    memset(s, 0, sizeof *s);
    /* opts.lock is ours from here on, whatever happens */
    if (o->lock && o->no_lock) stk_lock_free(o->lock);
    else s->lock = o->lock;
    s->dir = stk_xstrdup(dir && *dir ? dir : ".");
    s->workspace = o->workspace ? stk_xstrdup(o->workspace) : stk_workspace_current(s->dir);
    if (!stk_workspace_exists(s->dir, s->workspace)) {
        stk_diags_error(d, NULL, "Workspace does not exist",
                        "The selected workspace \"%s\" does not exist (check STK_WORKSPACE and .stk/environment); "
                        "create it with `stk workspace new %s`.", s->workspace, s->workspace);
        stk_session_close(s);
        return -1;
    }
    char *path = stk_xasprintf("%s/.stk/%s.db", s->dir, s->workspace);
    if (!o->no_lock) {
        if (!s->lock) s->lock = stk_lock_local_new(s->dir, s->workspace);
        stk_lock_info *stale = NULL;
        if (stk_lock_acquire(s->lock, o->operation, path, o->lock_timeout_ms, &stale, d)) {
            free(path);
            stk_session_close(s);
            return -1;
        }
        if (stale) {
            char *desc = stk_lock_info_describe(stale);
            stk_diags_warning(d, NULL, "Took over a stale state lock",
                              "The previous holder of the state lock exited without releasing it (its process "
                              "is gone), so this command took the lock over:\n%s", desc);
            free(desc);
            stk_lock_info_free(stale);
        }
    }
    free(path);
    if (stk_state_open(s->dir, s->workspace, &s->st, d)) {
        stk_session_close(s);
        return -1;
    }
    stk_journal_list pend;
    if (stk_journal_pending(s->st, &pend, d) == 0) {
        s->pending_intents = pend.len;
        if (pend.len && !o->reconciles) {
            stk_strbuf b = STK_STRBUF_INIT;
            for (size_t i = 0; i < pend.len && i < 10; i++)
                stk_strbuf_printf(&b, "  - %s %s (started %s)\n", stk_journal_action_name(pend.items[i].action),
                                  pend.items[i].address, pend.items[i].started_at);
            if (pend.len > 10) stk_strbuf_printf(&b, "  ... and %zu more\n", pend.len - 10);
            stk_diags_warning(d, NULL, "Interrupted operations in the journal",
                              "%zu cloud operation(s) started by an earlier run never recorded their result:\n%s"
                              "The next plan or apply reconciles them with the cloud before doing anything else.",
                              pend.len, stk_strbuf_cstr(&b));
            stk_strbuf_free(&b);
        }
        stk_journal_list_free(&pend);
    }
    return 0;
}

int stk_session_finish(stk_state_session *s, const char *command_line, const char *plan_summary, stk_diags *d)
{
    return stk_session_finish_plan(s, command_line, plan_summary, NULL, d);
}

int stk_session_finish_plan(stk_state_session *s, const char *command_line, const char *plan_summary,
                            const char *plan_json, stk_diags *d)
{
    stk_history_entry e;
    memset(&e, 0, sizeof e);
    e.command = (char *)command_line;
    e.plan_summary = (char *)plan_summary;
    e.plan_json = (char *)plan_json;
    e.git_dirty = -1;
    if (stk_history_record(s->st, &e, d)) return -1;
    return stk_state_backup(s->st, d);
}

void stk_session_close(stk_state_session *s)
{
    if (s->st) stk_state_close(s->st);
    if (s->lock) stk_lock_free(s->lock);   /* releases */
    free(s->dir);
    free(s->workspace);
    memset(s, 0, sizeof *s);
}
