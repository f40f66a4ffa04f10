-- POST the desk's public enquiry form (urlencoded, as a browser without JavaScript
-- sends it). CSRF: the caller GETs /enquire/ once and passes the csrftoken cookie and
-- the form's token in env CSRF_COOKIE / CSRF_TOKEN. A 302 (to the "sent" page) is
-- success; wrk counts >= 400 as err_status. Council areas and topics vary by request.
local cookie = os.getenv("CSRF_COOKIE")
local token = os.getenv("CSRF_TOKEN")
local areas = {"west-lindsey", "leeds", "cornwall", "camden", "wiltshire", ""}
local topics = {"acv-notice-of-sale", "np-getting-started", "cat-policy", "gov-structure", "funding", ""}
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "csrftoken=" .. cookie
request = function()
  counter = counter + 1
  local n = counter % 50
  local body = "csrfmiddlewaretoken=" .. token ..
    "&organisation_name=Bench+Community+Group+" .. n ..
    "&organisation_type=community_group&contact_name=Bench+Contact+" .. n ..
    "&email=bench" .. n .. "%40example.org&phone=&postcode=" ..
    "&local_authority=" .. areas[counter % #areas + 1] ..
    "&topic=" .. topics[counter % #topics + 1] ..
    "&subject=Benchmark+enquiry+" .. counter ..
    "&message=Our+village+pub+has+been+put+up+for+sale.+What+can+we+do%2C+and+by+when%3F" ..
    "&asset_name=The+Red+Lion&asset_address=1+High+Street&accessibility_needs=" ..
    "&consent_to_store=on&website="
  return wrk.format(nil, nil, nil, body)
end
dofile(os.getenv("WRK_REPORT") or "report.lua")
