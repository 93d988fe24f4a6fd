package com.example.releases

import io.ktor.client.HttpClient
import io.ktor.client.request.get
import io.ktor.client.request.post
import io.ktor.client.request.request
import io.ktor.client.request.setBody
import io.ktor.http.HttpMethod

class JiraClient(private val http: HttpClient, private val baseUrl: String) {

    suspend fun versions(projectKey: String) =
        http.get("$baseUrl/rest/api/3/project/$projectKey/versions")

    suspend fun createVersion(projectId: Long, name: String) =
        http.post("$baseUrl/rest/api/3/version") {
            setBody(mapOf("projectId" to projectId, "name" to name))
        }

    suspend fun release(versionId: String) =
        http.request("$baseUrl/rest/api/3/version/${versionId}") {
            method = HttpMethod.Put
            setBody(mapOf("released" to true))
        }
}
