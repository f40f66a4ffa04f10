-- POST the desk's public intake API (JSON): the same submission as desk_form.lua.
-- A 201 is success; wrk counts >= 400 as err_status.
local areas = {"\"west-lindsey\"", "\"leeds\"", "\"cornwall\"", "\"camden\"", "\"wiltshire\"", "null"}
local topics = {"\"acv-notice-of-sale\"", "\"np-getting-started\"", "\"cat-policy\"", "\"gov-structure\"", "\"funding\"", "null"}
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter + 1
  local n = counter % 50
  local body = '{"organisation_name": "Bench Community Group ' .. n .. '",' ..
    '"organisation_type": "community_group", "contact_name": "Bench Contact ' .. n .. '",' ..
    '"email": "bench' .. n .. '@example.org", "phone": "", "postcode": "",' ..
    '"local_authority": ' .. areas[counter % #areas + 1] .. ',' ..
    '"topic": ' .. topics[counter % #topics + 1] .. ',' ..
    '"subject": "Benchmark enquiry ' .. counter .. '",' ..
    '"message": "Our village pub has been put up for sale. What can we do, and by when?",' ..
    '"asset_name": "The Red Lion", "asset_address": "1 High Street",' ..
    '"accessibility_needs": "", "consent_to_store": true}'
  return wrk.format(nil, nil, nil, body)
end
dofile(os.getenv("WRK_REPORT") or "report.lua")
