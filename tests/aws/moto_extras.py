"""moto_extras.py — operations and fields moto lacks, added to moto in memory.

Imported by moto_launcher.py before the server starts; never edits moto's
files.  Each addition is a small, honest implementation of the real API:

  ElastiCache
    * DeleteCacheCluster / DeleteReplicationGroup: the resource is gone after
      the "deleting" answer (moto keeps it "deleting" for ever).
    * DescribeCacheClusters(ShowCacheNodeInfo=true) returns CacheNodes with
      Endpoint Address/Port (name.xxxxxx.0001.eun1.cache.amazonaws.com:6379),
      plus CacheParameterGroup, SecurityGroups, a default AZ and engine version.
    * CreateReplicationGroup: host names for the request's region (moto writes
      us-east-1's "use1"), NumCacheClusters honoured, member clusters listed by
      DescribeCacheClusters and removed with the group.
    * Cache parameter groups: Create/Describe/Modify/Reset/Delete,
      DescribeCacheParameters (a small per-family default set + user values).
    * ModifyCacheSubnetGroup, DeleteCacheSubnetGroup, ModifyCacheCluster,
      ModifyReplicationGroup, Increase/DecreaseReplicaCount (cluster mode
      disabled), DescribeCacheEngineVersions (a short fixed list).
  SigV4 (--auth)
    * signatures of requests without body and query string are checked over
      an empty payload (moto used the request headers as the payload).
  IAM
    * AWS-managed policies only in the "aws" partition (start-up cost).
    * RemoveRoleFromInstanceProfile of a role not in the profile: NoSuchEntity
      (moto failed with a 500).
  EC2
    * RunInstances, CreateRouteTable, CreateNatGateway, CreateLaunchTemplate
      (and its Version) with a ClientToken used before answer what that call
      made and make nothing (AWS's idempotency; moto made another).
  Auto Scaling
    * StartInstanceRefresh / DescribeInstanceRefreshes / CancelInstanceRefresh
      (refreshes complete at once, as every moto resource does).

Handlers are methods added to moto's response classes, so moto's own
dispatch, SigV4 checks, serializers and error formats apply to them.  Data
lives on moto's backend objects, so POST /moto-api/reset clears it too.
"""

import datetime
import inspect
import random
import string
import threading
import uuid

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, EmptyResult

_tls = threading.local()  # per-request flags; the launcher clears them per request
EXTRA_OPERATIONS = []     # "service:Operation" added by us (moto lacked them)


def _api_name(fn):
    return "".join(w.capitalize() for w in fn.__name__.split("_"))


def clear_request_flags(environ=None):
    """Called by the launcher at the start of every request."""
    _tls.show_cache_node_info = False
    # the request target exactly as the client sent it (path and query)
    _tls.raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") if environ else None


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def region_short(region):
    """eu-north-1 -> eun1, ap-southeast-2 -> apse2 (ElastiCache host names)."""
    parts = region.split("-")
    if len(parts) < 3:
        return region
    d = {"north": "n", "south": "s", "east": "e", "west": "w", "central": "c",
         "northeast": "ne", "southeast": "se", "northwest": "nw", "southwest": "sw"}
    return parts[0] + d.get(parts[1], parts[1]) + parts[2]


def rand_lower(n):
    return "".join(random.choices(string.ascii_lowercase + string.digits, k=n))


class _Err(ServiceException):
    """An AWS error of the service being called (code from its model)."""

    def __init__(self, code, message):
        super().__init__(code, message)


# moto maps an exception to a service by its module name when that starts
# with "moto." - ours is not one of moto's, so let the called service decide
_Err.__module__ = "stk_tests_aws"


# ---------------------------------------------------------------------------
# ElastiCache

# A small default parameter set per family: enough for stk to read back what
# it set and to see the engine defaults it did not touch.
_REDIS_DEFAULTS = [
    ("maxmemory-policy", "volatile-lru", "string",
     "volatile-lru,allkeys-lru,volatile-lfu,allkeys-lfu,volatile-random,allkeys-random,volatile-ttl,noeviction",
     "Max memory policy."),
    ("timeout", "0", "integer", "0,20-", "Close connection if client is idle for a given number of seconds."),
    ("tcp-keepalive", "300", "integer", "0-", "Close the connection if client is unresponsive."),
    ("notify-keyspace-events", "", "string", None, "The keyspace events for Redis to notify Pub/Sub clients about."),
    ("cluster-enabled", "no", "string", "yes,no", "Enable cluster mode"),
    ("databases", "16", "integer", "1-1200000", "Set the number of databases."),
]
_MEMCACHED_DEFAULTS = [
    ("max_item_size", "1048576", "integer", "1048576-134217728", "The size of the largest item storable."),
    ("chunk_size", "48", "integer", "1-", "Minimum space allocated for key+value+flags."),
]
_DEFAULT_FAMILIES = ["redis6.x", "redis7", "memcached1.6"]


def _family_defaults(family):
    return _MEMCACHED_DEFAULTS if family.startswith("memcached") else _REDIS_DEFAULTS


def _param_groups(backend):
    if not hasattr(backend, "_stk_param_groups"):
        groups = {}
        for fam in _DEFAULT_FAMILIES:
            name = "default." + fam
            groups[name] = {"name": name, "family": fam, "description": "Default parameter group for " + fam,
                            "values": {}, "default": True}
        backend._stk_param_groups = groups
    return backend._stk_param_groups


def _pg_out(backend, g):
    return {"CacheParameterGroupName": g["name"], "CacheParameterGroupFamily": g["family"],
            "Description": g["description"], "IsGlobal": False,
            "ARN": "arn:aws:elasticache:%s:%s:parametergroup:%s" % (backend.region_name, backend.account_id, g["name"])}


def _pg_get(backend, name):
    g = _param_groups(backend).get(name)
    if g is None:
        raise _Err("CacheParameterGroupNotFound", "CacheParameterGroup %s not found." % name)
    return g


def _name_values(resp):
    out = []
    for nv in resp._get_param("ParameterNameValues", []) or []:
        out.append((nv.get("ParameterName"), nv.get("ParameterValue")))
    return out


def patch_elasticache():
    from moto.elasticache import models as ecm
    from moto.elasticache import responses as ecr
    from moto.elasticache.exceptions import (CacheClusterNotFound, CacheSubnetGroupNotFound,
                                             ReplicationGroupNotFound)

    R = ecr.ElastiCacheResponse
    CacheCluster = ecm.CacheCluster
    orig_init = CacheCluster.__init__
    cc_params = inspect.signature(orig_init).parameters

    def cc_init(self, *a, **kw):
        orig_init(self, *a, **kw)
        region = kw.get("region_name") or (a[1] if len(a) > 1 else "us-east-1")
        self._stk_region = region
        self._stk_suffix = rand_lower(6)
        self._stk_node_addresses = None  # set for replication group members
        if self.engine == "memcached" and not kw.get("port"):
            self.port = 11211
        if not self.preferred_availability_zone:
            self.preferred_availability_zone = region + "a"
        if not self.engine_version:
            self.engine_version = "7.1" if self.engine == "redis" else "1.6.22"
        if not self.cache_parameter_group_name:
            fam = "redis7" if self.engine == "redis" else "memcached1.6"
            self.cache_parameter_group_name = "default." + fam
        if not self.cache_subnet_group_name:
            self.cache_subnet_group_name = "default"

    CacheCluster.__init__ = cc_init

    def cache_nodes(self):
        if not getattr(_tls, "show_cache_node_info", False):
            return None
        nodes = []
        short = region_short(self._stk_region)
        for i in range(int(self.num_cache_nodes or 1)):
            nid = "%04d" % (i + 1)
            if self._stk_node_addresses:
                addr = self._stk_node_addresses[i % len(self._stk_node_addresses)]
            else:
                addr = "%s.%s.%s.%s.cache.amazonaws.com" % (self.cache_cluster_id, self._stk_suffix, nid, short)
            nodes.append({"CacheNodeId": nid, "CacheNodeStatus": "available",
                          "CacheNodeCreateTime": self.cache_cluster_create_time,
                          "Endpoint": {"Address": addr, "Port": self.port},
                          "ParameterGroupStatus": "in-sync",
                          "CustomerAvailabilityZone": self.preferred_availability_zone})
        return nodes

    def configuration_endpoint(self):
        if self.engine != "memcached":
            return None
        return {"Address": "%s.%s.cfg.%s.cache.amazonaws.com" % (
            self.cache_cluster_id, self._stk_suffix, region_short(self._stk_region)), "Port": self.port}

    CacheCluster.cache_nodes = property(cache_nodes)
    CacheCluster.configuration_endpoint = property(configuration_endpoint)
    CacheCluster.cache_parameter_group = property(lambda self: {
        "CacheParameterGroupName": self.cache_parameter_group_name,
        "ParameterApplyStatus": "in-sync", "CacheNodeIdsToReboot": []})
    CacheCluster.security_groups = property(lambda self: [
        {"SecurityGroupId": s, "Status": "active"} for s in self.security_group_ids])

    orig_dcc = R.describe_cache_clusters

    def describe_cache_clusters(self):
        # moto serializes after this returns: the flag stays set until the
        # next request on this thread (the launcher clears it per request)
        _tls.show_cache_node_info = str(self._get_param("ShowCacheNodeInfo")).lower() == "true"
        return orig_dcc(self)

    R.describe_cache_clusters = describe_cache_clusters

    Backend = ecm.ElastiCacheBackend
    orig_backend_init = Backend.__init__

    def backend_init(self, *a, **kw):
        orig_backend_init(self, *a, **kw)
        # tags on parameter groups too
        import re
        self.arn_regex = re.compile(
            r"^arn:aws:elasticache:.*:[0-9]*:(cluster|snapshot|subnetgroup|replicationgroup|user|parametergroup):.*$")

    Backend.__init__ = backend_init

    orig_crg = Backend.create_replication_group
    orig_drg = Backend.delete_replication_group

    def create_replication_group(self, *a, **kw):
        rg = orig_crg(self, *a, **kw)
        region = self.region_name
        short = region_short(region)
        azs = kw.get("preferred_cache_cluster_azs") or []
        n_wanted = kw.get("num_cache_clusters")
        replicas = kw.get("replicas_per_node_group")

        def fix(addr):
            return addr.replace(".use1.cache.amazonaws.com", ".%s.cache.amazonaws.com" % short)

        for ng in rg.node_groups:
            for key in ("primary_endpoint_address", "reader_endpoint_address"):
                if key in ng:
                    ng[key] = fix(ng[key])
            if "primary_endpoint" in ng:
                ng["primary_endpoint"]["address"] = fix(ng["primary_endpoint"]["address"])
            if "reader_endpoint_address" in ng:
                ng["reader_endpoint"] = {"address": ng["reader_endpoint_address"], "port": ng.get("port", rg.port)}
            members = ng["node_group_members"]
            # moto ignores NumCacheClusters (cluster mode disabled): add replicas
            if rg.cluster_mode != "enabled" and n_wanted and not replicas and members and \
                    "read_endpoint" in members[0]:
                domain = members[0]["read_endpoint"]["address"].split(".", 1)[1]
                for r in range(len(members), int(n_wanted)):
                    cid = "%s-%03d" % (rg.replication_group_id, r + 1)
                    members.append({"cache_cluster_id": cid, "cache_node_id": ng["node_group_id"],
                                    "read_endpoint": {"address": "%s.%s" % (cid, domain), "port": rg.port},
                                    "current_role": "replica"})
                    rg.member_clusters.append(cid)
            for idx, m in enumerate(members):
                if "read_endpoint" in m:
                    m["read_endpoint"]["address"] = fix(m["read_endpoint"]["address"])
                if azs:
                    m["preferred_availability_zone"] = azs[min(idx, len(azs) - 1)]
                else:
                    m["preferred_availability_zone"] = region + "abc"[idx % 3]
        if getattr(rg, "configuration_endpoint", None):
            rg.configuration_endpoint["address"] = fix(rg.configuration_endpoint["address"])
        rg.cache_subnet_group_name = kw.get("cache_subnet_group_name")
        rg.security_group_ids = kw.get("security_group_ids") or []
        rg.engine_version = kw.get("engine_version") or "7.1"
        rg.cache_parameter_group_name = kw.get("cache_parameter_group_name") or "default.redis7"
        rg.engine = kw.get("engine") or "redis"
        # AWS lists a replication group's members in DescribeCacheClusters
        for ng in rg.node_groups:
            for m in ng["node_group_members"]:
                _member_cluster(self, rg, m)
        return rg

    def _member_cluster(backend, rg, m):
        cid = m["cache_cluster_id"]
        if cid in backend.cache_clusters:
            return
        args = {k: None for k in cc_params if k != "self"}
        args.update(account_id=backend.account_id, region_name=backend.region_name, cache_cluster_id=cid,
                    cache_node_type=rg.cache_node_type, replication_group_id=rg.replication_group_id,
                    preferred_availability_zone=m.get("preferred_availability_zone"),
                    num_cache_nodes=1, engine=rg.engine, engine_version=rg.engine_version,
                    cache_parameter_group_name=rg.cache_parameter_group_name,
                    cache_subnet_group_name=rg.cache_subnet_group_name,
                    security_group_ids=rg.security_group_ids, port=rg.port, log_delivery_configurations=[])
        cc = CacheCluster(**args)
        cc.replication_group_id = rg.replication_group_id
        if "read_endpoint" in m:
            cc._stk_node_addresses = [m["read_endpoint"]["address"]]
        backend.cache_clusters[cid] = cc

    # -- replica counts (cluster mode disabled: one node group)
    def _rg_for_replicas(self):
        b = self.elasticache_backend
        rid = self._get_param("ReplicationGroupId")
        if rid not in b.replication_groups:
            raise ReplicationGroupNotFound(rid)
        rg = b.replication_groups[rid]
        if rg.cluster_mode == "enabled":
            raise _Err("InvalidParameterValue",
                       "the local AWS supports replica counts only for cluster mode disabled groups")
        return b, rg, rg.node_groups[0]

    def increase_replica_count(self):
        b, rg, ng = _rg_for_replicas(self)
        want = self._get_param("NewReplicaCount")
        if want is None:
            raise _Err("InvalidParameterValue", "NewReplicaCount is required.")
        want = int(want)
        members = ng["node_group_members"]
        if want <= len(members) - 1 or want > 5:
            raise _Err("InvalidParameterValue",
                       "NewReplicaCount must be greater than the current count (%d) and at most 5." % (len(members) - 1))
        domain = members[0]["read_endpoint"]["address"].split(".", 1)[1]
        used = {m["cache_cluster_id"] for m in members}
        n = 1
        while len(members) - 1 < want:
            n += 1
            cid = "%s-%03d" % (rg.replication_group_id, n)
            if cid in used:
                continue
            m = {"cache_cluster_id": cid, "cache_node_id": ng["node_group_id"],
                 "read_endpoint": {"address": "%s.%s" % (cid, domain), "port": rg.port},
                 "preferred_availability_zone": b.region_name + "abc"[len(members) % 3], "current_role": "replica"}
            members.append(m)
            rg.member_clusters.append(cid)
            _member_cluster(b, rg, m)
        return ActionResult({"ReplicationGroup": rg})

    def decrease_replica_count(self):
        b, rg, ng = _rg_for_replicas(self)
        members = ng["node_group_members"]
        remove = list(self._get_param("ReplicasToRemove", []) or [])
        want = self._get_param("NewReplicaCount")
        if not remove:
            if want is None:
                raise _Err("InvalidParameterValue", "NewReplicaCount or ReplicasToRemove is required.")
            want = int(want)
            if want < 0 or want >= len(members) - 1:
                raise _Err("InvalidParameterValue",
                           "NewReplicaCount must be lower than the current count (%d)." % (len(members) - 1))
            remove = [m["cache_cluster_id"] for m in members if m.get("current_role") != "primary"][want - (len(members) - 1):]
        for cid in remove:
            m = next((m for m in members if m["cache_cluster_id"] == cid), None)
            if m is None or m.get("current_role") == "primary":
                raise _Err("InvalidParameterValue", "%s is not a replica of %s." % (cid, rg.replication_group_id))
            members.remove(m)
            rg.member_clusters.remove(cid)
            b.cache_clusters.pop(cid, None)
        return ActionResult({"ReplicationGroup": rg})

    _ENGINE_VERSIONS = [("redis", "6.0.5", "redis6.x"), ("redis", "6.2.6", "redis6.x"), ("redis", "7.0.7", "redis7"),
                        ("redis", "7.1.0", "redis7"), ("memcached", "1.6.17", "memcached1.6"),
                        ("memcached", "1.6.22", "memcached1.6")]

    def describe_cache_engine_versions(self):
        engine = self._get_param("Engine")
        version = self._get_param("EngineVersion")
        family = self._get_param("CacheParameterGroupFamily")
        default_only = str(self._get_param("DefaultOnly")).lower() == "true"
        out = []
        for e, v, f in _ENGINE_VERSIONS:
            if (engine and e != engine) or (family and f != family) or (version and not v.startswith(version)):
                continue
            out.append({"Engine": e, "EngineVersion": v, "CacheParameterGroupFamily": f,
                        "CacheEngineDescription": "Redis" if e == "redis" else "memcached",
                        "CacheEngineVersionDescription": "%s version %s" % (e, v)})
        if default_only:
            latest = {}
            for o in out:
                latest[o["Engine"]] = o
            out = list(latest.values())
        return ActionResult({"CacheEngineVersions": out})

    # moto marks deleted clusters and groups "deleting" and keeps them for
    # ever, so a "deleted" waiter never ends.  AWS answers the delete with
    # status "deleting" and later reports CacheClusterNotFound /
    # ReplicationGroupNotFoundFault: we drop them once the answer is built.
    orig_dcc_backend = Backend.delete_cache_cluster

    def delete_cache_cluster(self, cache_cluster_id, *a, **kw):
        c = orig_dcc_backend(self, cache_cluster_id, *a, **kw)
        self.cache_clusters.pop(cache_cluster_id, None)
        return c

    def delete_replication_group(self, replication_group_id, *a, **kw):
        rg = orig_drg(self, replication_group_id, *a, **kw)
        for cid in list(self.cache_clusters):
            if getattr(self.cache_clusters[cid], "replication_group_id", None) == replication_group_id:
                del self.cache_clusters[cid]
        self.replication_groups.pop(replication_group_id, None)
        return rg

    Backend.delete_cache_cluster = delete_cache_cluster

    Backend.create_replication_group = create_replication_group
    Backend.delete_replication_group = delete_replication_group

    # -- parameter groups
    def create_cache_parameter_group(self):
        b = self.elasticache_backend
        name = self._get_param("CacheParameterGroupName")
        fam = self._get_param("CacheParameterGroupFamily")
        if not name or not fam:
            raise _Err("InvalidParameterValue", "CacheParameterGroupName and CacheParameterGroupFamily are required.")
        groups = _param_groups(b)
        if name in groups:
            raise _Err("CacheParameterGroupAlreadyExists", "Parameter group %s already exists." % name)
        g = {"name": name, "family": fam, "description": self._get_param("Description") or "",
             "values": {}, "default": False}
        groups[name] = g
        tags = self._get_param("Tags", []) or []
        if tags:
            b.tagging_service.tag_resource(_pg_out(b, g)["ARN"], tags)
        return ActionResult({"CacheParameterGroup": _pg_out(b, g)})

    def describe_cache_parameter_groups(self):
        b = self.elasticache_backend
        name = self._get_param("CacheParameterGroupName")
        groups = [_pg_get(b, name)] if name else list(_param_groups(b).values())
        return ActionResult({"CacheParameterGroups": [_pg_out(b, g) for g in groups]})

    def modify_cache_parameter_group(self):
        b = self.elasticache_backend
        g = _pg_get(b, self._get_param("CacheParameterGroupName"))
        if g["default"]:
            raise _Err("InvalidParameterValue", "Default parameter groups cannot be modified.")
        for k, v in _name_values(self):
            g["values"][k] = v
        return ActionResult({"CacheParameterGroupName": g["name"]})

    def reset_cache_parameter_group(self):
        b = self.elasticache_backend
        g = _pg_get(b, self._get_param("CacheParameterGroupName"))
        if g["default"]:
            raise _Err("InvalidParameterValue", "Default parameter groups cannot be modified.")
        if str(self._get_param("ResetAllParameters")).lower() == "true":
            g["values"] = {}
        else:
            for k, _ in _name_values(self):
                g["values"].pop(k, None)
        return ActionResult({"CacheParameterGroupName": g["name"]})

    def delete_cache_parameter_group(self):
        b = self.elasticache_backend
        g = _pg_get(b, self._get_param("CacheParameterGroupName"))
        if g["default"]:
            raise _Err("InvalidCacheParameterGroupState", "Default parameter groups cannot be deleted.")
        for c in b.cache_clusters.values():
            if c.cache_parameter_group_name == g["name"]:
                raise _Err("InvalidCacheParameterGroupState",
                           "Parameter group %s is in use by cluster %s." % (g["name"], c.cache_cluster_id))
        del _param_groups(b)[g["name"]]
        return EmptyResult()

    def describe_cache_parameters(self):
        b = self.elasticache_backend
        g = _pg_get(b, self._get_param("CacheParameterGroupName"))
        source = self._get_param("Source")
        out, seen = [], set()
        for name, value, dtype, allowed, desc in _family_defaults(g["family"]):
            seen.add(name)
            user = name in g["values"]
            p = {"ParameterName": name, "ParameterValue": g["values"][name] if user else value,
                 "Description": desc, "Source": "user" if user else "system", "DataType": dtype,
                 "IsModifiable": True, "MinimumEngineVersion": "2.8.6", "ChangeType": "immediate"}
            if allowed:
                p["AllowedValues"] = allowed
            out.append(p)
        for name, value in g["values"].items():
            if name not in seen:
                out.append({"ParameterName": name, "ParameterValue": value, "Source": "user",
                            "DataType": "string", "IsModifiable": True, "ChangeType": "immediate"})
        if source:
            out = [p for p in out if p["Source"] == source or (source == "engine-default" and p["Source"] == "system")]
        return ActionResult({"Parameters": out})

    # -- subnet groups
    def modify_cache_subnet_group(self):
        b = self.elasticache_backend
        name = self._get_param("CacheSubnetGroupName")
        if name not in b.cache_subnet_groups:
            raise CacheSubnetGroupNotFound(name)
        old = b.cache_subnet_groups[name]
        desc = self._get_param("CacheSubnetGroupDescription")
        subnets = self._get_param("SubnetIds", []) or []
        if subnets:
            new = ecm.CacheSubnetGroup(account_id=b.account_id, region_name=b.region_name,
                                       cache_subnet_group_name=name,
                                       cache_subnet_group_description=desc or old.cache_subnet_group_description,
                                       subnet_ids=subnets, tags=old.tags)
            b.cache_subnet_groups[name] = new
            old = new
        elif desc is not None:
            old.cache_subnet_group_description = desc
        return ActionResult({"CacheSubnetGroup": old})

    def delete_cache_subnet_group(self):
        b = self.elasticache_backend
        name = self._get_param("CacheSubnetGroupName")
        if name not in b.cache_subnet_groups:
            raise CacheSubnetGroupNotFound(name)
        for c in b.cache_clusters.values():
            if c.cache_subnet_group_name == name:
                raise _Err("CacheSubnetGroupInUse", "Cache subnet group %s is in use." % name)
        del b.cache_subnet_groups[name]
        return EmptyResult()

    # -- modify cluster / replication group
    def modify_cache_cluster(self):
        b = self.elasticache_backend
        cid = self._get_param("CacheClusterId")
        if cid not in b.cache_clusters:
            raise CacheClusterNotFound(cid)
        c = b.cache_clusters[cid]
        simple = {"NumCacheNodes": "num_cache_nodes", "CacheNodeType": "cache_node_type",
                  "EngineVersion": "engine_version", "PreferredMaintenanceWindow": "preferred_maintenance_window",
                  "NotificationTopicArn": "notification_topic_arn", "SnapshotWindow": "snapshot_window",
                  "CacheParameterGroupName": "cache_parameter_group_name",
                  "SnapshotRetentionLimit": "snapshot_retention_limit",
                  "AutoMinorVersionUpgrade": "auto_minor_version_upgrade", "IpDiscovery": "ip_discovery"}
        for param, attr in simple.items():
            v = self._get_param(param)
            if v is not None:
                if attr in ("num_cache_nodes", "snapshot_retention_limit"):
                    v = int(v)
                if attr == "cache_parameter_group_name":
                    _pg_get(b, v)
                setattr(c, attr, v)
        sgs = self._get_param("SecurityGroupIds", None)
        if sgs:
            c.security_group_ids = list(sgs)
        return ActionResult({"CacheCluster": c})

    def modify_replication_group(self):
        b = self.elasticache_backend
        rid = self._get_param("ReplicationGroupId")
        if rid not in b.replication_groups:
            raise ReplicationGroupNotFound(rid)
        rg = b.replication_groups[rid]
        v = self._get_param("ReplicationGroupDescription")
        if v is not None:
            rg.description = v
        v = self._get_param("AutomaticFailoverEnabled")
        if v is not None:
            rg.automatic_failover = "enabled" if str(v).lower() == "true" else "disabled"
        v = self._get_param("MultiAZEnabled")
        if v is not None:
            rg.multi_az = "enabled" if str(v).lower() == "true" else "disabled"
        for param, attr in {"CacheNodeType": "cache_node_type", "SnapshotWindow": "snapshot_window",
                            "EngineVersion": "engine_version",
                            "CacheParameterGroupName": "cache_parameter_group_name"}.items():
            v = self._get_param(param)
            if v is not None:
                setattr(rg, attr, v)
        v = self._get_param("SnapshotRetentionLimit")
        if v is not None:
            rg.snapshot_retention_limit = int(v)
        sgs = self._get_param("SecurityGroupIds", None)
        if sgs:
            rg.security_group_ids = list(sgs)
        # members follow the group's settings
        for c in b.cache_clusters.values():
            if getattr(c, "replication_group_id", None) == rid:
                c.cache_node_type = rg.cache_node_type
                if sgs:
                    c.security_group_ids = list(sgs)
        return ActionResult({"ReplicationGroup": rg})

    for fn in (create_cache_parameter_group, describe_cache_parameter_groups, modify_cache_parameter_group,
               reset_cache_parameter_group, delete_cache_parameter_group, describe_cache_parameters,
               modify_cache_subnet_group, delete_cache_subnet_group, modify_cache_cluster,
               modify_replication_group, increase_replica_count, decrease_replica_count,
               describe_cache_engine_versions):
        if not hasattr(R, fn.__name__):  # moto may gain it one day: then moto's wins
            setattr(R, fn.__name__, fn)
            EXTRA_OPERATIONS.append("elasticache:" + _api_name(fn))


# ---------------------------------------------------------------------------
# Auto Scaling instance refresh

def patch_autoscaling():
    from moto.autoscaling import responses as asr

    R = asr.AutoScalingResponse

    def _group(self):
        name = self._get_param("AutoScalingGroupName")
        b = self.autoscaling_backend
        if name not in b.autoscaling_groups:
            raise _Err("ValidationError", "AutoScalingGroup name not found - %s" % name)
        return b, name

    def _refreshes(b):
        if not hasattr(b, "_stk_refreshes"):
            b._stk_refreshes = {}
        return b._stk_refreshes

    def start_instance_refresh(self):
        b, name = _group(self)
        now = utcnow()
        rid = str(uuid.uuid4())
        prefs = self._get_param("Preferences", {}) or {}
        r = {"InstanceRefreshId": rid, "AutoScalingGroupName": name, "Status": "Successful",
             "StatusReason": "", "StartTime": now, "EndTime": now, "PercentageComplete": 100,
             "InstancesToUpdate": 0, "Preferences": prefs,
             "Strategy": self._get_param("Strategy") or "Rolling"}
        _refreshes(b).setdefault(name, []).insert(0, r)
        return ActionResult({"InstanceRefreshId": rid})

    def describe_instance_refreshes(self):
        b, name = _group(self)
        ids = self._get_param("InstanceRefreshIds", []) or []
        items = [r for r in _refreshes(b).get(name, []) if not ids or r["InstanceRefreshId"] in ids]
        return ActionResult({"InstanceRefreshes": items})

    def cancel_instance_refresh(self):
        b, name = _group(self)
        active = [r for r in _refreshes(b).get(name, []) if r["Status"] in ("Pending", "InProgress")]
        if not active:
            raise _Err("ActiveInstanceRefreshNotFound",
                       "No in progress or pending Instance Refresh found for Auto Scaling group %s" % name)
        active[0]["Status"] = "Cancelled"
        return ActionResult({"InstanceRefreshId": active[0]["InstanceRefreshId"]})

    if not hasattr(R, "autoscaling_backend"):
        raise RuntimeError("moto's AutoScalingResponse has no autoscaling_backend")
    for fn in (start_instance_refresh, describe_instance_refreshes, cancel_instance_refresh):
        if not hasattr(R, fn.__name__):
            setattr(R, fn.__name__, fn)
            EXTRA_OPERATIONS.append("autoscaling:" + _api_name(fn))


# ---------------------------------------------------------------------------
# SigV4 checks: moto signs its copy of the request over the parsed parameters
# when the raw body is empty, and for a request with neither body nor query
# string those "parameters" are the request headers - so a correctly signed
# CloudFront ListDistributions (GET, no query) failed SignatureDoesNotMatch.
# AWS hashes the bytes sent: use the raw body, empty when there is none.
# Likewise the canonical query string is made from the query as sent.

def patch_auth():
    from botocore.awsrequest import AWSRequest
    from moto.iam.access_control import IAMRequestBase

    def _create_aws_request(self):
        signed_headers = self._get_string_between(
            "SignedHeaders=", ",", self._headers["Authorization"]).split(";")
        headers = self._create_headers_for_aws_request(signed_headers, self._headers)
        body = self._body if isinstance(self._body, (bytes, str)) else b""
        if not body and "form-urlencoded" in (self._headers.get("Content-Type") or ""):
            # a form POST: the web framework consumed the body into the
            # parameters, which re-encode to the bytes sent (moto's way)
            body = self._data
        # sign over the request target as sent: moto rebuilds it from the
        # parsed URL, re-encoding query values (CloudFront's ?Resource=arn:...)
        url = getattr(_tls, "raw_uri", None) or self._path
        request = AWSRequest(method=self._method, url=url, data=body or b"", headers=headers)
        request.context["timestamp"] = headers["X-Amz-Date"]
        return request

    IAMRequestBase._create_aws_request = _create_aws_request


# ---------------------------------------------------------------------------
# IAM: the AWS-managed policies (the launcher asks moto to load them) are
# loaded for the commercial partition only.  moto builds an IAM backend per
# partition on an account's first request (looking the access key up), and
# loading ~1500 policies into each cost seconds per start and per reset.

def patch_iam():
    from moto.iam.models import IAMBackend
    orig = IAMBackend._init_aws_policies

    def _init_aws_policies(self):
        if self.region_name != "aws":
            return []
        return orig(self)

    IAMBackend._init_aws_policies = _init_aws_policies

    # RemoveRoleFromInstanceProfile of a role the profile does not hold: AWS
    # answers NoSuchEntity; moto failed inside (list.remove), a 500 - met by
    # a remove sent again after its answer was lost
    from moto.iam.exceptions import NoSuchEntity
    orig_remove = IAMBackend.remove_role_from_instance_profile

    def remove_role_from_instance_profile(self, profile_name, role_name):
        profile = self.get_instance_profile(profile_name)
        if not any(r.name == role_name for r in profile.roles):
            raise NoSuchEntity("The role %s cannot be found in instance profile %s." % (role_name, profile_name))
        return orig_remove(self, profile_name, role_name)

    IAMBackend.remove_role_from_instance_profile = remove_role_from_instance_profile


def patch_launch_templates():
    """EC2 CreateLaunchTemplateVersion: moto stores the new version's UserData
    as a plain string (CreateLaunchTemplate parses it into its base64 type),
    so an Auto Scaling group launching from such a version fails inside moto
    (AssertionError in LaunchTemplateVersion.user_data).  Parse it the way
    CreateLaunchTemplate does (issue 6: compute types, launch template
    updates used by an ASG)."""
    from moto.ec2.models.launch_templates import LaunchTemplate
    from moto.core.types import Base64EncodedString
    from moto.ec2.utils import parse_user_data

    orig_create_version = LaunchTemplate.create_version

    def create_version(self, data, *a, **kw):
        ud = data.get("UserData") if isinstance(data, dict) else None
        if ud is not None and not isinstance(ud, Base64EncodedString):
            data["UserData"] = parse_user_data(data["UserData"])
        return orig_create_version(self, data, *a, **kw)

    LaunchTemplate.create_version = create_version

    # DescribeLaunchTemplates answers the tags the template was created with
    # (a copy taken in __init__), never those CreateTags/DeleteTags changed
    # later: read them from the tag store at each call (issue 6: a
    # default_tags change updated a template's tags, the read showed the old)
    LaunchTemplate.tags = property(lambda self: self.get_tags(), lambda self, value: None)


def patch_ec2_instances():
    """EC2 MonitorInstances / UnmonitorInstances raise NotImplementedError in
    moto: set the instance's monitoring state (AWS answers "pending", then
    "enabled"; we answer the final state).  ReplaceIamInstanceProfileAssociation
    changes the association but not the instance, so DescribeInstances kept
    the old profile: update the instance as AssociateIamInstanceProfile does
    (issue 6: aws_instance monitoring and iam_instance_profile in place).
    Creates taking a ClientToken honour it as AWS does (below)."""
    from moto.core.responses import ActionResult
    from moto.ec2.responses.monitoring import Monitoring
    from moto.ec2.models.iam_instance_profile import IamInstanceProfileAssociationBackend

    def _monitoring(self, state):
        self.error_on_dryrun()
        out = []
        for iid in self._get_param("InstanceIds", []):
            self.ec2_backend.get_instance(iid).monitoring_state = state
            out.append({"InstanceId": iid, "Monitoring": {"State": state}})
        return ActionResult({"InstanceMonitorings": out})

    Monitoring.monitor_instances = lambda self: _monitoring(self, "enabled")
    Monitoring.unmonitor_instances = lambda self: _monitoring(self, "disabled")

    orig_replace = IamInstanceProfileAssociationBackend.replace_iam_instance_profile_association

    def replace(self, association_id, *a, **kw):
        assoc = orig_replace(self, association_id, *a, **kw)
        self.modify_instance_attribute(assoc.instance_id, "iam_instance_profile",
                                       {"Arn": assoc.iam_instance_profile.arn, "Id": association_id})
        return assoc

    IamInstanceProfileAssociationBackend.replace_iam_instance_profile_association = replace

    # EC2 creates that take a ClientToken are idempotent on AWS: the same
    # token again answers what the first call made, and makes nothing.
    # moto makes another (RunInstances, CreateRouteTable, CreateNatGateway)
    # or refuses the name (CreateLaunchTemplate), so a retry whose first
    # answer was lost made a second object or failed
    # (reliability/faults.sh with answers lost after moto acted).  The first
    # answer is kept on the backend per (operation, token), so a reset
    # forgets it.
    from moto.ec2.responses.instances import InstanceResponse
    from moto.ec2.responses.route_tables import RouteTables
    from moto.ec2.responses.nat_gateways import NatGateways
    from moto.ec2.responses.launch_templates import LaunchTemplates

    def idempotent(cls, name):
        orig = getattr(cls, name)
        lock = threading.Lock()

        def call(self):
            token = self._get_param("ClientToken")
            if not token:
                return orig(self)
            backend = self.ec2_backend
            with lock:
                seen = backend.__dict__.setdefault("_stk_client_tokens", {})
                if (name, token) in seen:
                    return seen[(name, token)]
                result = orig(self)
                seen[(name, token)] = result
                return result

        setattr(cls, name, call)

    for cls, name in ((InstanceResponse, "run_instances"), (RouteTables, "create_route_table"),
                      (NatGateways, "create_nat_gateway"), (LaunchTemplates, "create_launch_template"),
                      (LaunchTemplates, "create_launch_template_version")):
        idempotent(cls, name)


def patch_cloudfront():
    """CloudFront origins: moto drops an origin's OriginAccessControlId (it
    neither stores nor returns it) and does not return S3OriginConfig, so a
    distribution using an origin access control or identity reads back
    without it.  Store it on moto's Origin object, which
    moto's shape-driven serializer then returns (issue 6: storage types)."""
    from moto.cloudfront.models import Origin

    orig_init = Origin.__init__

    def origin_init(self, origin, *a, **kw):
        orig_init(self, origin, *a, **kw)
        self.origin_access_control_id = origin.get("OriginAccessControlId") or ""
        # S3OriginConfig (the OAI path) is kept only as s3_access_identity,
        # which the serializer does not return: return it as sent
        if "S3OriginConfig" in origin:
            self.s3_origin_config = {"OriginAccessIdentity": self.s3_access_identity}

    Origin.__init__ = origin_init

    # cache behaviours: moto answers no function / Lambda@Edge associations
    # whatever was sent; keep them as sent (issue 6: function_association)
    from moto.cloudfront.models import DefaultCacheBehaviour

    orig_cb_init = DefaultCacheBehaviour.__init__

    def cb_init(self, config, *a, **kw):
        orig_cb_init(self, config, *a, **kw)
        for attr, key in (("lambda_function_associations", "LambdaFunctionAssociations"),
                          ("function_associations", "FunctionAssociations")):
            if (config.get(key) or {}).get("Items"):
                setattr(self, attr, config[key])

    DefaultCacheBehaviour.__init__ = cb_init

    # a default cache behaviour may target an origin group (failover), which
    # moto refuses (NoSuchOrigin: it looks among the origins only)
    from moto.cloudfront.models import DistributionConfig

    orig_dc_init = DistributionConfig.__init__

    def dc_init(self, config, *a, **kw):
        dcb = config.get("DefaultCacheBehavior") or {}
        groups = (config.get("OriginGroups") or {}).get("Items") or []
        if isinstance(groups, dict):
            groups = [groups]
        target = dcb.get("TargetOriginId")
        origins = (config.get("Origins") or {}).get("Items") or []
        if target and origins and any(g.get("Id") == target for g in groups if isinstance(g, dict)):
            first = origins[0]
            dcb["TargetOriginId"] = first.get("Id") if isinstance(first, dict) else first.id
            orig_dc_init(self, config, *a, **kw)
            self.DefaultCacheBehavior.target_origin_id = target
            return
        orig_dc_init(self, config, *a, **kw)

    DistributionConfig.__init__ = dc_init


def apply_all():
    patch_elasticache()
    patch_autoscaling()
    patch_auth()
    patch_iam()
    patch_launch_templates()
    patch_ec2_instances()
    patch_cloudfront()
