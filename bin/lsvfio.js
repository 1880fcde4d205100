#!/usr/bin/env node
// npm's bin entry. The loader (bin/load.cjs) picks the bundle or the ES modules and V8's code cache.
'use strict'
require('./load.cjs')
