# Checks an "iamd events export" directory with the AWS CLI's own digest validator (awscli's
# customizations/cloudtrail/validation.py, the code behind "aws cloudtrail validate-logs"), reading the digest's
# signature metadata from its ".sig" file where validate-logs reads S3 object metadata, and hashes each log file
# as validate-logs does (SHA-256 of the inflated content).
#
# Usage: python3 awscli_validate.py DIR PUBLIC_KEY_BASE64_DER DIGEST_KEY...
# Prints "valid KEY" or "INVALID KEY: MESSAGE" per digest and per log file.
import hashlib
import json
import os
import sys
import zlib

from awscli.customizations.cloudtrail.validation import DigestError, Sha256RSADigestValidator

directory, public_key = sys.argv[1], sys.argv[2]
for key in sys.argv[3:]:
    with open(os.path.join(directory, key), 'rb') as f:
        inflated = zlib.decompress(f.read(), zlib.MAX_WBITS | 16)
    digest = json.loads(inflated.decode())
    with open(os.path.join(directory, key + '.sig')) as f:
        meta = json.load(f)
    digest['_signature'] = meta['signature']
    digest['_signature_algorithm'] = meta['signature-algorithm']
    try:
        Sha256RSADigestValidator().validate(digest['digestS3Bucket'], key, public_key, digest, inflated)
    except DigestError as e:
        print('INVALID %s: %s' % (key, e))
        continue
    print('valid %s' % key)
    for log in digest['logFiles']:
        with open(os.path.join(directory, log['s3Object']), 'rb') as f:
            computed = hashlib.sha256(zlib.decompress(f.read(), zlib.MAX_WBITS | 16)).hexdigest()
        if computed == log['hashValue']:
            print('valid %s' % log['s3Object'])
        else:
            print("INVALID %s: hash value doesn't match" % log['s3Object'])
