"""aws_errors.py — AWS error responses in each wire protocol's format.

Used by moto_launcher.py (operations moto does not implement answer
501 NotImplemented in the caller's protocol instead of an HTML traceback)
and by fault_proxy.py (injected 5xx and throttling errors).

Protocol detection from a request, as AWS clients send them:
  X-Amz-Target header            -> json   {"__type": ..., "message": ...}
  credential scope service "ec2" -> ec2    <Response><Errors><Error>...
  service "s3"                   -> s3     <Error><Code>...  (rest-xml, S3 style)
  service "cloudfront"           -> rest-xml <ErrorResponse xmlns=...><Error><Type>...
  anything else                  -> query  <ErrorResponse><Error><Type>...
"""

import json
import re
import uuid
from xml.sax.saxutils import escape

CRED_RE = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")

QUERY_NS = {
    "elasticloadbalancing": "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
    "autoscaling": "http://autoscaling.amazonaws.com/doc/2011-01-01/",
    "elasticache": "http://elasticache.amazonaws.com/doc/2015-02-02/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "monitoring": "http://monitoring.amazonaws.com/doc/2010-08-01/",
    "sns": "http://sns.amazonaws.com/doc/2010-03-31/",
}
CLOUDFRONT_NS = "http://cloudfront.amazonaws.com/doc/2020-05-31/"


def scope_of(authorization):
    """(access key, region, service) from a SigV4 Authorization header, or Nones."""
    m = CRED_RE.search(authorization or "")
    if not m:
        return None, None, None
    return m.group(1), m.group(3), m.group(4)


def protocol_of(headers_get):
    """headers_get: a function name -> value or None (case-insensitive)."""
    if headers_get("X-Amz-Target"):
        return "json"
    _, _, service = scope_of(headers_get("Authorization"))
    if service == "ec2":
        return "ec2"
    if service == "s3":
        return "s3"
    if service == "cloudfront":
        return "rest-xml"
    return "query"


def error_body(protocol, service, code, message, request_id=None, sender=True):
    """(content type, body bytes) of an AWS error in the given protocol."""
    rid = request_id or str(uuid.uuid4())
    if protocol == "json":
        return ("application/x-amz-json-1.1",
                json.dumps({"__type": code, "message": message}).encode())
    if protocol == "ec2":
        return ("text/xml;charset=UTF-8",
                ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>%s</Code>'
                 '<Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>'
                 % (escape(code), escape(message), rid)).encode())
    if protocol == "s3":
        return ("application/xml",
                ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message>'
                 '<RequestId>%s</RequestId></Error>' % (escape(code), escape(message), rid)).encode())
    ns = CLOUDFRONT_NS if protocol == "rest-xml" else QUERY_NS.get(service or "", "")
    xmlns = ' xmlns="%s"' % ns if ns else ""
    return ("text/xml",
            ('<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse%s><Error><Type>%s</Type><Code>%s</Code>'
             '<Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>'
             % (xmlns, "Sender" if sender else "Receiver", escape(code), escape(message), rid)).encode())


# Throttling as each service family reports it: (HTTP status, code)
def throttle_error(protocol, service):
    if protocol == "ec2":
        return 503, "RequestLimitExceeded", "Request limit exceeded."
    if protocol == "s3":
        return 503, "SlowDown", "Please reduce your request rate."
    if protocol == "json":
        return 400, "ThrottlingException", "Rate exceeded"
    if protocol == "rest-xml":  # CloudFront
        return 400, "Throttling", "Rate exceeded"
    return 400, "Throttling", "Rate exceeded"


def server_error(protocol, status):
    """A 500 or 503 error: (status, code, message)."""
    if status == 503:
        if protocol == "s3":
            return 503, "ServiceUnavailable", "Service is unable to handle request."
        if protocol == "ec2":
            return 503, "Unavailable", "The server is overloaded and can't handle the request."
        return 503, "ServiceUnavailable", "Service is unavailable. Please try again later."
    if protocol == "s3":
        return 500, "InternalError", "We encountered an internal error. Please try again."
    if protocol == "ec2":
        return 500, "InternalError", "An internal error has occurred."
    return 500, "InternalFailure", "The request processing has failed because of an unknown error."
