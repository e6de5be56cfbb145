import { POST_ID } from '../../../scenarios.js'
import { json } from '../../_lib/respond.js'

export async function POST (request) {
  const data = await request.json()
  return json({ id: POST_ID, data }, { status: 201 })
}
