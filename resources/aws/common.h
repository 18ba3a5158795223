/* aws/common.h - what every AWS resource file needs, written once:
 * reading attributes out of stk_values, building state objects, tags with
 * the provider's default_tags (tags_all), "not found" detection, retries
 * for eventual consistency, idempotency tokens and timeouts from the
 * per-call context, waiters, ARNs, filters, import by id.
 *
 * Pattern of a resource file (ec2_vpc.c is the reference):
 *   create: read arguments with stk_aws_get_*; call AWS; read the object
 *           back and build the state with stk_aws_state_build();
 *   read:   look up by id; not found -> *new_state = NULL (0 returned);
 *   update: per attribute group, call the API that changes it; tags with
 *           stk_aws_ec2_update_tags() (EC2) or the service's own calls;
 *   delete: call; treat not found as done; wait where AWS needs it.
 *
 * Ownership: getters return borrowed pointers into the stk_value (valid
 * while it lives); json_t results are new references unless marked
 * "borrowed"; char * results are malloc'd.  Every function is thread safe.
 */
#ifndef STK_AWS_COMMON_H
#define STK_AWS_COMMON_H
#include <jansson.h>
#include "provider.h"
#include "aws/aws_provider.h"
#include "aws/protocol/call.h"
#include "util/strbuf.h"

/* ---- schema helpers ---- */

/* The two tag attributes every taggable type has, as terraform-provider-aws
   declares them: tags (optional map) and tags_all (computed: default_tags
   merged with tags). */
#define STK_AWS_TAGS_ATTRS                                                                      \
    {"tags", "map(string)", STK_ATTR_OPTIONAL, NULL, "tags of the object", NULL},               \
    {"tags_all", "map(string)", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL,                    \
     "tags including the provider's default_tags", NULL}

#define STK_AWS_NATTRS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- reading values ---- */

/* The attribute `name` of an object value when it is set: not absent, not
   null, not unknown; else NULL.  Borrowed. */
stk_value *stk_aws_get(stk_value *obj, const char *name);
/* 1 when the attribute exists and is unknown (known only after apply). */
int stk_aws_is_unknown(stk_value *obj, const char *name);
/* A string attribute, or NULL when unset / not a string.  Borrowed. */
const char *stk_aws_get_str(stk_value *obj, const char *name);
/* A bool attribute, or dflt when unset. */
int stk_aws_get_bool(stk_value *obj, const char *name, int dflt);
/* A number attribute as an integer, or dflt when unset. */
long long stk_aws_get_int(stk_value *obj, const char *name, long long dflt);
/* Nested blocks / list elements of an attribute: count, and the i-th
   element (borrowed).  0 when unset. */
size_t stk_aws_get_count(stk_value *obj, const char *name);
stk_value *stk_aws_get_elem(stk_value *obj, const char *name, size_t i);
/* JSON of an attribute (new reference), or NULL when unset.  Unknown values
   inside collections are left out (object members) or null (lists). */
json_t *stk_aws_get_json(stk_value *obj, const char *name);
/* A list/set of strings as a JSON array of strings (new ref; [] when unset). */
json_t *stk_aws_get_strings(stk_value *obj, const char *name);

/* JSON of a whole value, tolerating unknowns as stk_aws_get_json does and
   dropping sensitive marks (new reference; json null for null). */
json_t *stk_aws_value_to_json(stk_value *v);

/* ---- building state ---- */

/* The state object of type t from a JSON object of attribute values
   (STOLEN): attributes missing from attrs become null; values are
   converted to the schema's types (numbers from strings, sets sorted).
   NULL with a diagnostic when a value does not fit its type. */
stk_value *stk_aws_state_build(const stk_resource_type *t, json_t *attrs, stk_diags *d);
/* A JSON object of a value's known attributes (new ref), to start a state
   from the planned value or the prior state and overwrite what AWS says. */
json_t *stk_aws_state_start(stk_value *v);
/* json_object_set_new helpers that store null for NULL strings. */
void stk_aws_jset_str(json_t *o, const char *key, const char *s);
void stk_aws_jset(json_t *o, const char *key, json_t *v_borrowed);

/* ---- tags ---- */

/* The tags map of an attribute (usually "tags") as a JSON object of strings
   (new ref; {} when unset; null-valued entries dropped). */
json_t *stk_aws_tags_get(stk_value *obj, const char *name);
/* default_tags merged with resource tags (resource tags override default
   ones, as terraform-provider-aws): a new JSON object. */
json_t *stk_aws_tags_merge(json_t *default_tags, json_t *tags);
/* tags_all for a planned value: the provider's default_tags merged with its
   "tags" attribute (new ref). */
json_t *stk_aws_tags_all(stk_provider_instance *p, stk_value *planned);
/* [{Key, Value}] (sorted by key) from a map; NULL-safe ([] for NULL). */
json_t *stk_aws_tags_to_list(json_t *map);
/* A map from [{Key, Value}] (also accepts "key"/"value" members);
   tags whose key starts with "aws:" are left out, as the provider does. */
json_t *stk_aws_tags_from_list(json_t *list);
/* EC2 TagSpecifications for a create call: [{ResourceType, Tags}], or NULL
   when tags_all is empty (the caller then leaves the member out). */
json_t *stk_aws_ec2_tag_specs(const char *resource_type, json_t *tags_all);
/* The keys to delete (in old, not in new) and the pairs to set (new or
   changed) between two tag maps; both new refs (objects). */
void stk_aws_tags_diff(json_t *old_map, json_t *new_map, json_t **removed, json_t **changed);
/* Apply a tag change to an EC2 resource id: DeleteTags for removed keys,
   CreateTags for new/changed ones (no call when nothing changed). */
int stk_aws_ec2_update_tags(stk_provider_instance *p, const char *id, json_t *old_map, json_t *new_map,
                            stk_diags *d);
/* Set "tags" and "tags_all" in a state JSON from the tags AWS holds:
   tags_all = api_tags; tags = api_tags less the default tags with equal
   values, except keys the configuration sets itself (cfg may be the planned
   value or the prior state), and less the keys cfg's tags_all holds with the
   same value but its tags does not (default tags of the last apply: a
   default_tags change is no drift).  tags is null when the configuration has
   no tags and nothing is left. */
void stk_aws_state_set_tags(json_t *state, stk_provider_instance *p, json_t *api_tags, stk_value *cfg);

/* ---- calls ---- */

/* 1 when an AWS error code means "that object does not exist": codes with
   "NotFound" in them (InvalidVpcID.NotFound, NatGatewayNotFound,
   ResourceNotFoundException...), "NoSuch*" (NoSuchEntity, NoSuchBucket),
   and the few odd ones (InvalidAllocationID.NotFound is covered,
   "InvalidGroupId.Malformed" is not; Auto Scaling's "ValidationError:
   AutoScalingGroup name not found" is). */
int stk_aws_is_not_found(const stk_aws_error *e);
/* Call; returns 0 (result set), 1 when AWS says not found (no diagnostic,
   *result NULL), -1 on any other failure (diagnostic). */
int stk_aws_call_nf(stk_provider_instance *p, const char *service, const char *op, json_t *params,
                    json_t **result, stk_diags *d);
/* Call, retrying for up to `seconds` while AWS answers one of `retry_on`
   (NULL-terminated; an entry "Code" matches the code, "Code:text" also
   needs text in the message): eventual consistency after a create
   (InvalidGroup.NotFound, InvalidSubnetID.NotFound), DependencyViolation on
   delete, IAM propagation ("InvalidParameterValue:Invalid IamInstanceProfile").
   Waits 1 s, 2 s, then 5 s between tries (scaled by STK_WAITER_DELAY_SCALE).
   Returns 0 (result set), 1 not found (only when "NotFound" is not retried:
   see stk_aws_is_not_found; no diagnostic), -1 failure (diagnostic). */
int stk_aws_call_retry(stk_provider_instance *p, const char *service, const char *op, json_t *params,
                       json_t **result, const char *const *retry_on, double seconds, stk_diags *d);
/* EC2 describe of one object by id: `op` (DescribeVpcs) with
   {id_param: [id]} (VpcIds), the first element of result[list_key] (Vpcs)
   as *obj (new ref).  Returns 0 found, 1 not found (NotFound error or an
   empty list), -1 failure.  During a refresh, what a batch kept for (op,
   id) answers without a call (stk_aws_ec2_batch). */
int stk_aws_ec2_describe_one(stk_provider_instance *p, const char *op, const char *id_param, const char *id,
                             const char *list_key, json_t **obj, stk_diags *d);
/* ---- refresh by batch (provider.h read_batch) ----
 * A type's read_batch asks AWS once for all the objects being refreshed
 * and keeps each answer in the provider instance under (kind, id) -- kind
 * is the Describe operation (stk_aws_ec2_describe_one's `op`) or a name of
 * the type's own; its read asks stk_aws_batch_get first.  What is kept is
 * dropped by the factory's batch_end when the refresh is over. */
/* Keep obj (borrowed; copied by reference) for (kind, id), or NULL: the
   batch asked for id and AWS did not answer it (the object is gone). */
void stk_aws_batch_put(stk_provider_instance *p, const char *kind, const char *id, json_t *obj);
/* 1 when a batch kept something for (kind, id): *obj = the object (new
   ref) or NULL when it is gone; 0 when nothing is kept (ask AWS). */
int stk_aws_batch_get(stk_provider_instance *p, const char *kind, const char *id, json_t **obj);
/* The distinct known string values of attribute `attr` of the priors, as a
   JSON array (new ref; empty when none). */
json_t *stk_aws_batch_ids(stk_value *const *priors, size_t n, const char *attr);
/* The EC2 batch: `op` (DescribeSubnets) with Filters [{Name: filter
   ("subnet-id"), Values: ids}] in chunks of 200 and every page; each element
   of result[list_key] is kept under (op, element[id_member]) and each id
   asked for but not answered as gone.  A filter, unlike SubnetIds, never
   fails the whole call for one missing id.  stk_aws_ec2_describe_one then
   answers from it.  Ids already kept are not asked again.  Through
   stk_aws_batch_by_ids ("filter:" param): 0, or -1 with a diagnostic. */
int stk_aws_ec2_batch(stk_provider_instance *p, const char *op, const char *filter, const char *list_key,
                      const char *id_member, json_t *ids, stk_diags *d);
/* read_batch for the EC2 types whose read is stk_aws_ec2_describe_one(op)
   of the prior's "id": the ids of the priors through stk_aws_ec2_batch. */
int stk_aws_ec2_read_batch(stk_provider_instance *p, stk_value *const *priors, size_t n, const char *op,
                           const char *filter, const char *list_key, const char *id_member, stk_diags *d);
/* A batch over an API that takes a list of ids: `param` (LoadBalancerArns;
   "filter:NAME" sends Filters [{Name: NAME, Values: ...}] instead), at most
   `chunk` ids a call, every page (NextToken).  Each element of
   result[list_key] -- or of its elements' `inner` lists when inner is not
   NULL (Reservations[].Instances) -- is kept under (op,
   element[id_member]), each id asked for but not answered as gone.  APIs
   that fail the whole call when one id is unknown (elbv2's
   LoadBalancerNotFound...): a NotFound answer keeps nothing for that chunk,
   so its objects are read one by one.  0, or -1 with a diagnostic. */
int stk_aws_batch_by_ids(stk_provider_instance *p, const char *service, const char *op, const char *param,
                         size_t chunk, const char *list_key, const char *inner, const char *id_member, json_t *ids,
                         stk_diags *d);
/* read_batch of the types whose read is one `op` by id: the distinct values
   of the priors' attribute `attr`, through stk_aws_batch_by_ids. */
int stk_aws_read_batch_by(stk_provider_instance *p, stk_value *const *priors, size_t n, const char *attr,
                          const char *service, const char *op, const char *param, size_t chunk, const char *list_key,
                          const char *inner, const char *id_member, stk_diags *d);
/* The single-object call of those types' read: stk_aws_call_nf(service, op,
   params), unless a batch kept (op, id): then *result is built from it
   without a call, in the shape of the call's answer ({list_key: [obj]} or
   {list_key: []}; {list_key: [{inner: [...]}]} with inner) and 0 returned. */
int stk_aws_batch_call_nf(stk_provider_instance *p, const char *service, const char *op, json_t *params,
                          const char *list_key, const char *inner, const char *id, json_t **result, stk_diags *d);
/* Batches across types (the factory's batch_begin, provider.h), given every
   object being refreshed (types[i] is priors[i]'s type):
   - elbv2 DescribeTags for every load balancer, target group, listener and
     listener rule (20 ARNs a call), kept under ("elbv2:DescribeTags", arn)
     for stk_aws_elbv2_tags;
   - one DescribeRouteTables for the route tables and the tables of the
     route table associations (ec2_route_table.c). */
int stk_aws_elbv2_tags_batch(stk_provider_instance *p, const stk_resource_type *const *types, stk_value *const *priors,
                             size_t n, stk_diags *d);
int stk_aws_route_tables_batch(stk_provider_instance *p, const stk_resource_type *const *types,
                               stk_value *const *priors, size_t n, stk_diags *d);
/* The same right after a create: a NotFound answer or an empty list is
   retried for up to `seconds` (AWS's eventual consistency). */
int stk_aws_ec2_describe_new(stk_provider_instance *p, const char *op, const char *id_param, const char *id,
                             const char *list_key, double seconds, json_t **obj, stk_diags *d);
/* A state JSON's id or a new one when the create failed half way: sets
   *new_state to a state holding the planned values and `id`, so the engine
   records (and can later delete) what was made.  Returns -1. */
int stk_aws_partial_state(const stk_resource_type *t, stk_value *planned, const char *id, stk_value **new_state,
                          stk_diags *d);
/* Tag update shared by the EC2 types: tags_all of prior vs the planned
   tags merged with default_tags. */
int stk_aws_ec2_update_tags_planned(stk_provider_instance *p, const char *id, stk_value *prior, stk_value *planned,
                                    stk_diags *d);
/* A string member of a JSON object, or NULL (borrowed). */
const char *stk_aws_jstr(json_t *o, const char *key);
/* Sleep (scaled by STK_WAITER_DELAY_SCALE); returns -1 when the engine's
   cancel flag is set (the caller stops with an "interrupted" error). */
int stk_aws_sleep(double seconds);

/* ---- per-call context ---- */

/* The idempotency token of this create (the journal's), or NULL outside
   the engine (then the protocol layer generates one). */
const char *stk_aws_idempotency_token(void);
/* The resource's `timeouts` value for 'c'reate, 'r'ead, 'u'pdate,
   'd'elete in seconds, or dflt when not configured. */
double stk_aws_timeout(char which, double dflt);
/* A model waiter (waiters-2.json) with the resource's timeout. */
int stk_aws_wait_for(stk_provider_instance *p, const char *service, const char *waiter, json_t *params,
                     char which, double dflt_seconds, stk_diags *d);
/* journal_info for types whose create is identified by token and tags:
   {"token": ..., "tags": tags_all}. */
char *stk_aws_journal_info_default(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                                   const char *token);

/* recover for EC2 types whose create tags the object (provider.h): the
   intent's info (stk_aws_journal_info_default's {"token","tags"}, plus
   "id" once known) -> the object, or NULL when nothing was made.  With an
   id, t->read decides; else `op` (DescribeVpcs) with one tag:K filter per
   tag of info.tags finds it in result[list_key][*][id_member]; no match:
   *state NULL; no tags (nothing identifies it) or several matches: an
   error, so the engine never creates a duplicate. */
int stk_aws_ec2_recover_by_tags(stk_provider_instance *p, const stk_resource_type *t, const char *info_json,
                                const char *op, const char *list_key, const char *id_member, stk_value **state,
                                stk_diags *d);

/* ---- identifiers ---- */

/* "arn:<partition>:<service>:<region>:<account>:<resource>" (region may be
   "" for global services; account fetched lazily; NULL + diagnostic when
   it cannot be had).  malloc'd. */
char *stk_aws_arn(stk_provider_instance *p, const char *service, const char *region, const char *resource,
                  stk_diags *d);
/* The instance's region (borrowed). */
const char *stk_aws_region(stk_provider_instance *p);

/* ---- data sources, import ---- */

/* EC2 Filters from `filter { name = ..., values = [...] }` blocks of a data
   source configuration: [{Name, Values}] (new ref, [] when none). */
json_t *stk_aws_ec2_filters(stk_value *cfg, const char *block);
/* Import by id: read t with a state holding only the id; an object that
   does not exist is an error ("Cannot import non-existent remote object"). */
int stk_aws_import_by_id(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                         stk_diags *d);
/* A read-back after create that notices AWS lost the object: returns -1 with
   "<type> <id> not found right after creation" when *st is NULL. */
int stk_aws_require_state(const stk_resource_type *t, const char *id, stk_value *st, stk_diags *d);

#endif
