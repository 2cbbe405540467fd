-- Argo CD health check for kopilot.dev EcsApp, EcsEnvironment and EcsService.
--
-- Argo CD runs this with the live object bound to `obj` and reads back {status, message}.
-- The three kinds report the same way (status.observedGeneration and the conditions Ready
-- and Synced), so one script serves all three:
--
--   Healthy      Ready is True for the current generation.
--   Degraded     the operator stopped on a terminal error (Synced reason ReconcileTerminal:
--                the spec cannot work as written; looked at again every resync period),
--                an EcsService's rollout failed and ECS rolled back (Ready reason
--                RolloutFailed), or it is blocked on something an administrator must fix
--                (Ready reason AccessDenied or ServiceLinkedRoleMissing; retried by itself),
--                or its namespace's TenantPolicy refuses what it asks (NotPermitted).
--   Progressing  anything else: no status yet, a spec change the operator has not
--                reconciled yet, creating, rolling out, waiting on a dependency, or
--                retrying a transient AWS error.
--
-- Written for Argo CD's Lua 5.1 runtime and its sandbox: base functions only.

local TERMINAL = "ReconcileTerminal"
local ROLLOUT_FAILED = "RolloutFailed"
local BLOCKED = { AccessDenied = true, ServiceLinkedRoleMissing = true, NotPermitted = true }

local function find(conditions, wanted)
  if type(conditions) ~= "table" then
    return nil
  end
  for _, condition in ipairs(conditions) do
    if condition.type == wanted then
      return condition
    end
  end
  return nil
end

local function describe(condition)
  local text = condition.reason or condition.status or "unknown"
  if condition.message ~= nil and condition.message ~= "" then
    text = text .. ": " .. condition.message
  end
  return text
end

local function behind(observed, generation)
  return generation ~= nil and (observed == nil or observed < generation)
end

local hs = {}
local metadata = obj.metadata or {}
local generation = metadata.generation
local status = obj.status or {}
local ready = find(status.conditions, "Ready")
local synced = find(status.conditions, "Synced")

if ready == nil and synced == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the kopilot operator to report status"
  return hs
end

if behind(status.observedGeneration, generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the kopilot operator to reconcile generation " .. tostring(generation)
  return hs
end

if synced ~= nil and synced.status == "False" and synced.reason == TERMINAL then
  hs.status = "Degraded"
  hs.message = describe(synced)
  return hs
end

if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the Ready condition"
  return hs
end

-- A transient error on a later spec leaves Ready as it was for the earlier one.
if ready.observedGeneration ~= nil and behind(ready.observedGeneration, generation) then
  hs.status = "Progressing"
  hs.message = "Applying generation " .. tostring(generation)
  if synced ~= nil and synced.status == "False" then
    hs.message = hs.message .. " (" .. describe(synced) .. ")"
  end
  return hs
end

if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or ""
  if synced ~= nil and synced.status == "False" then
    hs.message = hs.message .. " (last reconcile failed and is retried: " .. describe(synced) .. ")"
  end
  return hs
end

if ready.reason == ROLLOUT_FAILED or BLOCKED[ready.reason] then
  hs.status = "Degraded"
  hs.message = describe(ready)
  return hs
end

hs.status = "Progressing"
hs.message = describe(ready)
return hs
