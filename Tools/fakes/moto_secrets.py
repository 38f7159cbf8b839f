#!/usr/bin/env python3
"""Runs moto (the AWS API emulator, PyPI moto[server]) in server mode on 127.0.0.1, creates one
Secrets Manager secret in it, and prints "PORT <n>". For Baton's aws secret store test; run it
with the virtualenv's python that has moto installed.

usage: moto_secrets.py REGION SECRET_ID SECRET_STRING
"""
import sys
import threading

import boto3
from moto.server import ThreadedMotoServer

region, secret_id, secret_string = sys.argv[1:4]
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
host, port = server.get_host_and_port()
client = boto3.client("secretsmanager", region_name=region, endpoint_url="http://127.0.0.1:%d" % port,
                      aws_access_key_id="testing", aws_secret_access_key="testing")
client.create_secret(Name=secret_id, SecretString=secret_string)
print("PORT %d" % port, flush=True)
threading.Event().wait()
