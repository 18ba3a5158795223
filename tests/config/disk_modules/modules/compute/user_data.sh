#!/bin/bash
yum install -y nginx
systemctl start nginx
