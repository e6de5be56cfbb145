import { STATIC_BODY } from '../../../scenarios.js'
import { json } from '../../_lib/respond.js'

// Does not touch the request: served from the plugin's response cache once it exists.
export function GET () {
  return json(STATIC_BODY)
}
