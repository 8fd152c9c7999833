// kafkajs 2.2.4 driven by kafkainterop's tests.
//
// Usage: node kafkajs_client.js BOOTSTRAP COMMAND JSON-ARGUMENT
// (NODE_PATH must reach the kafkajs that scripts/install-test-deps.sh
// installs; kafkapeer.RunKafkaJS sets it.)
//
// Prints one JSON document on stdout; records in the tests' shape
// ({partition, offset, key, value, headers: [[k, v]], timestamp}).
//
// kafkajs's consumer always joins a consumer group, which Wharf serves from
// the next milestone on; until then "fetch" reads through kafkajs's own
// cluster and broker objects (what its consumer uses underneath): the
// partition's leader from kafkajs's metadata, then a Fetch request decoded
// by kafkajs's record-batch decoder. These are kafkajs internals, stable
// for the pinned 2.2.4.
'use strict'

const { Kafka, CompressionTypes, logLevel } = require('kafkajs')

async function withAdmin(kafka, fn) {
  const admin = kafka.admin()
  await admin.connect()
  try {
    return await fn(admin)
  } finally {
    await admin.disconnect()
  }
}

const commands = {
  async create_topics(kafka, arg) {
    return withAdmin(kafka, admin =>
      admin.createTopics({
        waitForLeaders: true,
        timeout: 30000,
        topics: arg.topics.map(t => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: 1,
          configEntries: Object.entries(t.config || {}).map(([name, value]) => ({ name, value })),
        })),
      }).then(created => ({ created })))
  },

  async fetch_topic_metadata(kafka, arg) {
    return withAdmin(kafka, admin => admin.fetchTopicMetadata({ topics: arg.topics }))
  },

  async fetch_topic_offsets(kafka, arg) {
    return withAdmin(kafka, async admin => ({
      latest: await admin.fetchTopicOffsets(arg.topic),
      byTimestamp: await admin.fetchTopicOffsetsByTimestamp(arg.topic, arg.timestamp),
    }))
  },

  async produce(kafka, arg) {
    const producer = kafka.producer({ allowAutoTopicCreation: false })
    await producer.connect()
    try {
      return await producer.send({
        topic: arg.topic,
        acks: -1,
        compression: arg.gzip ? CompressionTypes.GZIP : CompressionTypes.None,
        messages: arg.messages.map(m => ({
          partition: m.partition,
          key: m.key,
          value: m.value,
          timestamp: String(m.timestamp),
          headers: Object.fromEntries(m.headers),
        })),
      })
    } finally {
      await producer.disconnect()
    }
  },

  async fetch(kafka, arg) {
    const createCluster = Object.getOwnPropertySymbols(kafka)
      .find(s => s.toString() === 'Symbol(private:Kafka:createCluster)')
    const cluster = kafka[createCluster]({ allowAutoTopicCreation: false })
    await cluster.connect()
    try {
      await cluster.addTargetTopic(arg.topic)
      const partition = cluster.findTopicPartitionMetadata(arg.topic)
        .find(p => p.partitionId === arg.partition)
      const broker = await cluster.findBroker({ nodeId: String(partition.leader) })
      const out = []
      let offset = arg.offset
      while (out.length < arg.count) {
        const resp = await broker.fetch({
          replicaId: -1,
          isolationLevel: 0,
          maxWaitTime: 1000,
          topics: [{ topic: arg.topic, partitions: [{ partition: arg.partition, fetchOffset: String(offset), maxBytes: 1048576 }] }],
        })
        const p = resp.responses[0].partitions[0]
        if (p.errorCode !== 0) throw new Error(`fetch error code ${p.errorCode}`)
        for (const m of p.messages) {
          if (Number(m.offset) < offset || out.length >= arg.count) continue
          out.push({
            partition: arg.partition,
            offset: Number(m.offset),
            key: m.key ? m.key.toString() : '',
            value: m.value ? m.value.toString() : '',
            headers: Object.entries(m.headers || {}).map(([k, v]) => [k, v.toString()]),
            timestamp: Number(m.timestamp),
          })
          offset = Number(m.offset) + 1
        }
      }
      return out
    } finally {
      await cluster.disconnect()
    }
  },
}

async function main() {
  const [bootstrap, command, argument] = process.argv.slice(2)
  const kafka = new Kafka({ clientId: 'kafkainterop', brokers: [bootstrap], logLevel: logLevel.ERROR })
  const result = await commands[command](kafka, JSON.parse(argument))
  process.stdout.write(JSON.stringify(result))
}

main().catch(e => {
  console.error(e)
  process.exit(1)
})
