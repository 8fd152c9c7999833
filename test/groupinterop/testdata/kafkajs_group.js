// kafkajs 2.2.4's group consumer, driven by groupinterop's tests.
//
// Usage: node kafkajs_group.js BOOTSTRAP GROUP TOPIC COUNT
//
// Joins GROUP, consumes COUNT records of TOPIC from the committed offsets
// (the earliest when none), committing after each, leaves the group
// (disconnect), and prints the values consumed as a JSON list.
'use strict'

const { Kafka, logLevel } = require('kafkajs')

async function main() {
  const [bootstrap, group, topic, countArg] = process.argv.slice(2)
  const count = Number(countArg)
  const kafka = new Kafka({ clientId: 'groupinterop', brokers: [bootstrap], logLevel: logLevel.NOTHING })
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10000, heartbeatInterval: 1000 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const values = []
  let finish
  const done = new Promise(resolve => { finish = resolve })
  const timer = setTimeout(() => finish(), 30000)
  await consumer.run({
    autoCommitThreshold: 1,
    eachMessage: async ({ message }) => {
      if (values.length < count) {
        values.push(message.value.toString())
      }
      if (values.length >= count) {
        finish()
      }
    },
  })
  await done
  clearTimeout(timer)
  await consumer.disconnect()
  process.stdout.write(JSON.stringify(values))
}

main().catch(e => {
  console.error(e)
  process.exit(1)
})
