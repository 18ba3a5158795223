/* test_provider.h - the in-process test provider ("stktest"): resource
 * types whose "cloud" is a directory of JSON files, with configurable
 * behaviour (delays, failures, force-new attributes, computed ids, sets,
 * JSON / CIDR / case-normalised attributes, a sensitive attribute, a nested
 * block, a data source), so the plan/apply engine is tested on its own.
 *
 * It is compiled into every stk binary but registered only when the
 * environment has STK_TEST_PROVIDER=1: users never see it.
 *
 * The cloud directory is $STK_TEST_CLOUD (default ".stk-test-cloud" in
 * the working directory): <dir>/<type>/<id>.json per object, and
 * <dir>/ops.log where every operation appends "start|end <epoch-ms> <op>
 * <name>" lines (tests measure ordering and parallelism from it).
 * stktest_thing refreshes by batch (provider.h read_batch): <dir>/reads.log
 * gets "begin all <n>" per provider-wide batch_begin, "batch <type> <n>"
 * per batch and "read <id>" per read that went to
 * the cloud itself; STK_TEST_BATCH_FAIL=1 makes the batch fail.
 *
 * Behaviour attributes of stktest_thing: delay_ms (each create / update /
 * delete sleeps that long, in 20 ms slices that notice cancellation),
 * fail_on ("create", "update", "delete", "read": that operation fails).
 * The cloud stores `policy` as compact JSON with sorted keys, `cidr` in
 * lower case and `mode` in upper case: a plan after apply must still show
 * no changes (the perpetual-diff guards).
 */
#ifndef STK_TEST_PROVIDER_H
#define STK_TEST_PROVIDER_H

/* Register the types and the "stktest" provider factory when
   STK_TEST_PROVIDER=1 (returns 1), else do nothing (returns 0). */
int stk_test_provider_register_from_env(void);
/* Register unconditionally (unit tests). */
void stk_test_provider_register(void);

#endif
